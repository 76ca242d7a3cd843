/** One server-sent event as a client sees it (`id` only when the block set one). */
export interface SseBlock {
  event?: string;
  id?: string;
  data?: string;
  comments: string[];
}

/** A minimal EventSource over fetch: every block (comments and id-only blocks included), in order. */
export async function openSse(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const blocks: SseBlock[] = [];
  let ended = false;
  if (res.ok && res.body) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let idx: number;
          while ((idx = buffer.indexOf('\n\n')) >= 0) {
            const block: SseBlock = { comments: [] };
            for (const line of buffer.slice(0, idx).split('\n')) {
              if (line.startsWith(':')) block.comments.push(line.slice(1).trim());
              else if (line.startsWith('event: ')) block.event = line.slice(7);
              else if (line.startsWith('id: ')) block.id = line.slice(4);
              else if (line.startsWith('data: ')) block.data = (block.data ?? '') + line.slice(6);
            }
            buffer = buffer.slice(idx + 2);
            blocks.push(block);
          }
        }
      } catch {
        // aborted
      }
      ended = true;
    })();
  }
  return {
    res,
    blocks,
    get ended() {
      return ended;
    },
    /** The notifications streamed, each with the SSE id it came with. */
    notifications: () =>
      blocks
        .filter((b) => b.event === 'notification')
        .map((b) => ({ id: b.id, ...(JSON.parse(b.data ?? '{}') as { notificationId: string; userId: string; kind: string; body: string }) })),
    /** The id a client would send as Last-Event-ID now (the last id set by any block). */
    lastEventId: () => blocks.filter((b) => b.id !== undefined).at(-1)?.id,
    close: () => abort.abort(),
  };
}
