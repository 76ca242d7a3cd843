import type { StreamCatchUpResult } from '@tutorhub/contracts';
import { LiveStream, type StreamedNotification } from './live-stream';

const n = (seq: string | undefined, userId = '00000000-0000-4000-8000-000000000001'): StreamedNotification => ({
  ...(seq === undefined ? {} : { seq }),
  notificationId: `00000000-0000-4000-8000-${(seq ?? '0').padStart(12, '0')}`,
  userId,
  kind: 'payout.succeeded',
  title: 't',
  body: `n${seq}`,
  data: {},
  createdAt: '2026-03-01T10:00:00.000Z',
});

function harness(lastEventId: string | undefined, answer: (after: string | undefined) => Promise<StreamCatchUpResult>) {
  const written: Array<[string, string | undefined]> = [];
  const positions: string[] = [];
  let ended = false;
  const calls: Array<string | undefined> = [];
  const stream = new LiveStream(
    { notification: (x, id) => written.push([x.body, id]), position: (id) => positions.push(id), end: () => (ended = true) },
    (after) => {
      calls.push(after);
      return answer(after);
    },
    lastEventId,
  );
  return { stream, written, positions, calls, ended: () => ended };
}

const page = (seqs: string[], more = false): StreamCatchUpResult => ({
  items: seqs.map((s) => ({ ...n(s), seq: s }) as StreamCatchUpResult['items'][number]),
  last: seqs.at(-1) ?? null,
  more,
});

describe('LiveStream (a resumable SSE stream’s position)', () => {
  it('replays what came after Last-Event-ID, holding live items back meanwhile, and sends each once in order', async () => {
    let release!: (r: StreamCatchUpResult) => void;
    const h = harness('5', () => new Promise((r) => (release = r)));
    const started = h.stream.start();
    h.stream.live(n('7')); // arrives while the catch-up runs: held back
    h.stream.live(n('8'));
    release(page(['6', '7']));
    await started;
    h.stream.live(n('8')); // a copy: dropped
    h.stream.live(n('9'));
    expect(h.written).toEqual([
      ['n6', '6'],
      ['n7', '7'],
      ['n8', '8'],
      ['n9', '9'],
    ]);
    expect(h.calls).toEqual(['5']);
  });

  it('without Last-Event-ID learns the position ("0" when the user has nothing) and catches up from it on a resync', async () => {
    const answers = [page([]), page(['3', '4'])];
    const h = harness(undefined, async () => answers.shift()!);
    await h.stream.start();
    expect(h.positions).toEqual(['0']);
    await h.stream.resync();
    expect(h.calls).toEqual([undefined, '0']);
    expect(h.written).toEqual([
      ['n3', '3'],
      ['n4', '4'],
    ]);
  });

  it('pages through a long catch-up', async () => {
    const h = harness('1', async (after) => (after === '1' ? page(['2', '3'], true) : page(['4'])));
    await h.stream.start();
    expect(h.calls).toEqual(['1', '3']);
    expect(h.written.map(([, id]) => id)).toEqual(['2', '3', '4']);
  });

  it('ends the stream when a catch-up fails rather than skip what it could not fetch', async () => {
    const h = harness('5', async () => {
      throw new Error('upstream.timeout');
    });
    const started = h.stream.start();
    h.stream.live(n('9'));
    await started;
    expect(h.ended()).toBe(true);
    expect(h.written).toEqual([]);
  });

  it('streams a legacy event (no seq) without touching the client’s id, and keeps ids moving forward only', async () => {
    const h = harness(undefined, async () => page(['10']));
    await h.stream.start();
    expect(h.positions).toEqual(['10']);
    h.stream.live(n(undefined));
    h.stream.live(n('9')); // committed before the stream opened, arriving late: sent, but the id stays at 10
    h.stream.live(n('11'));
    expect(h.written).toEqual([
      ['nundefined', undefined],
      ['n9', undefined],
      ['n11', '11'],
    ]);
  });
});
