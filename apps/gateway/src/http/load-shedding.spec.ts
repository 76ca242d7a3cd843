import { defaultPasswordHashConcurrency } from '../config';
import { ConcurrencyLimiter, isNeverShed, MAX_RETRY_AFTER_SECONDS, Overloaded } from './load-shedding';

const limiter = (limit: number, maxQueue: number, maxWaitMs = 60_000) => new ConcurrencyLimiter({ name: 'test', limit, maxQueue, maxWaitMs });

async function refusal(p: Promise<unknown>): Promise<Overloaded> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Overloaded) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('ConcurrencyLimiter', () => {
  it('admits up to the limit, queues up to maxQueue, and refuses the rest at once (503 gateway.overloaded, Retry-After ≥ 1 s)', async () => {
    const l = limiter(2, 1);
    const a = await l.acquire();
    const b = await l.acquire();
    expect(l.inFlight).toBe(2);
    const queued = l.acquire();
    expect(l.queued).toBe(1);
    const err = await refusal(l.acquire());
    expect(err).toMatchObject({ status: 503, code: 'gateway.overloaded', reason: 'queue_full', limiter: 'test' });
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(MAX_RETRY_AFTER_SECONDS);
    expect(l.tryAcquire()).toBeUndefined();

    // A freed slot goes to the first in the queue, not to a newcomer.
    a();
    const c = await queued;
    expect(l.queued).toBe(0);
    expect(l.inFlight).toBe(2);
    expect(l.tryAcquire()).toBeUndefined();
    a(); // releasing twice frees one slot only
    expect(l.inFlight).toBe(2);
    b();
    c();
    expect(l.inFlight).toBe(0);
  });

  it('tells the callers of a burst to come back at staggered times, later and later, within 1–30 s', async () => {
    const l = limiter(1, 0);
    const held = await l.acquire();
    const waits: number[] = [];
    for (let i = 0; i < 400; i++) waits.push((await refusal(l.acquire())).retryAfterSeconds);
    expect(waits[0]).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1]!);
    // One slot frees every ~100 ms (the starting guess): the 400th caller comes back much later than the first, at the cap.
    expect(waits.at(-1)).toBeGreaterThan(waits[0]!);
    expect(waits.at(-1)).toBe(MAX_RETRY_AFTER_SECONDS);
    held();
  });

  it('sheds a request that waited longer than maxWaitMs', async () => {
    const l = limiter(1, 5, 10);
    const held = await l.acquire();
    const err = await refusal(l.acquire());
    expect(err.reason).toBe('queue_timeout');
    expect(l.queued).toBe(0);
    held();
    expect(l.inFlight).toBe(0);
  });

  it('gives up the place of a caller that left while queued', async () => {
    const l = limiter(1, 1);
    const held = await l.acquire();
    let leave: () => void = () => undefined;
    void l.acquire((fn) => (leave = fn));
    expect(l.queued).toBe(1);
    leave();
    expect(l.queued).toBe(0);
    const next = l.acquire();
    held();
    (await next)();
    expect(l.inFlight).toBe(0);
  });

  it('never sheds the probes, /metrics, the Chapa webhook and callback, the stream and the docs', () => {
    for (const p of ['/health/live', '/health/ready', '/metrics', '/api/webhooks/chapa', '/api/payments/chapa/callback', '/api/notifications/stream', '/docs', '/docs/openapi.json']) {
      expect([p, isNeverShed(p)]).toEqual([p, true]);
    }
    for (const p of ['/api', '/api/auth/register', '/api/bookings/1', '/api/payments/chapa/return', '/api/notifications', '/healthz']) expect([p, isNeverShed(p)]).toEqual([p, false]);
  });

  it('sizes the password work from the cores: half, at least 1, at most the thread pool', () => {
    expect(defaultPasswordHashConcurrency(1, 4)).toBe(1);
    expect(defaultPasswordHashConcurrency(2, 4)).toBe(1);
    expect(defaultPasswordHashConcurrency(3, 4)).toBe(2);
    expect(defaultPasswordHashConcurrency(16, 4)).toBe(4);
    expect(defaultPasswordHashConcurrency(16, 8)).toBe(8);
  });
});
