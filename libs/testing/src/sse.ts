/** One server-sent event block as a client sees it (`id` only when the block set one). */
export interface SseBlock {
  event?: string;
  id?: string;
  data?: string;
  comments: string[];
}

/** A block that carries an event (an `event:` or `data:` field), with EventSource's defaults. */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/** One block of the stream, parsed line by line as EventSource does (a single space after the colon). */
function parseBlock(text: string): SseBlock {
  const block: SseBlock = { comments: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) block.comments.push(line.slice(1).trim());
    else if (line.startsWith('event: ')) block.event = line.slice(7);
    else if (line.startsWith('id: ')) block.id = line.slice(4);
    else if (line.startsWith('data: ')) block.data = (block.data ?? '') + line.slice(6);
  }
  return block;
}

/**
 * A minimal EventSource over fetch, for tests: it keeps every block in order (comments and
 * id-only blocks included) and derives what the tests read from them.
 */
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
            blocks.push(parseBlock(buffer.slice(0, idx)));
            buffer = buffer.slice(idx + 2);
          }
        }
      } catch {
        // aborted by close()
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
    /** The blocks that carry an event, as EventSource would dispatch them. */
    get events(): SseEvent[] {
      return blocks
        .filter((b) => b.event !== undefined || b.data !== undefined)
        .map((b) => ({ event: b.event ?? 'message', ...(b.id === undefined ? {} : { id: b.id }), data: b.data ?? '' }));
    },
    /** Every comment line (heartbeats), in order. */
    get comments(): string[] {
      return blocks.flatMap((b) => b.comments);
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
