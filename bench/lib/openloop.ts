import { monitorEventLoopDelay } from 'node:perf_hooks';
import { auth, ok, problemOf, type TutorhubClient } from '../../tools/journey/api-client';
import { Chain, DueRecorder } from './due';
import type { Pair } from './lifecycles';
import { summarize } from './stats';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RetryCounts {
  [stepAndCode: string]: number;
}

/**
 * Sends until the answer is not a refusal in `codes` ("not yet": the event it depends on is still
 * on its way, or the pair's previous lesson is not marked completed). The wait before a retry is
 * the answer's Retry-After (≤ 5 s) if it has one, else 20, 40, … 200 ms; the retry is due after
 * that wait (Chain.pause). Returns the last answer; the caller checks it.
 */
export async function sendRetrying<A extends { response: Response; error?: unknown }>(
  chain: Chain,
  retries: RetryCounts,
  step: string,
  codes: string[],
  route: string,
  fn: () => Promise<A>,
  timeoutMs = 30000,
): Promise<A> {
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const answer = await chain.send(route, fn);
    const code = problemOf(answer)?.code;
    if (!code || !codes.includes(code) || performance.now() > deadline) return answer;
    retries[`${step}:${code}`] = (retries[`${step}:${code}`] ?? 0) + 1;
    const retryAfter = Number(answer.response.headers.get('retry-after'));
    await chain.pause(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 5) * 1000 : Math.min(200, 20 * 2 ** attempt));
  }
}

/** Polls every `pollMs` (each poll due `pollMs` after the previous answer) until `done` holds. */
async function pollUntil<A extends { response: Response; error?: unknown }>(chain: Chain, what: string, route: string, fn: () => Promise<A>, done: (a: A) => boolean, pollMs: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (done(await chain.send(route, fn))) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await chain.pause(pollMs);
  }
}

/**
 * The closed loop's lesson (bench/lib/lifecycles.ts), request by request, so that each one is
 * timed from its due time: search, book, accept, pay (checkout, the sandbox's hosted page and its
 * Pay button), poll until confirmed, start, join, end, poll until the escrow is released.
 */
export async function dueLifecycle(api: TutorhubClient, sandboxUrl: string, pair: Pair, chain: Chain, pollMs: number, retries: RetryCounts): Promise<void> {
  const { tutor, student, subject } = pair;
  await pollUntil(
    chain,
    'the tutor to appear in search',
    'GET /api/tutors',
    () => api.GET('/api/tutors', { params: { query: { subject } }, ...auth(student.token) }),
    (a) => ok(a, [200]).items.some((t) => t.id === tutor.id),
    pollMs,
    20000,
  );
  const booking = ok(
    await sendRetrying(chain, retries, 'book', ['booking.slot_taken', 'booking.student_overlap'], 'POST /api/bookings', () =>
      api.POST('/api/bookings', {
        body: { tutorId: tutor.id, subject, startsAt: new Date(Date.now() + 60_000).toISOString(), durationMinutes: 60, note: 'open loop' },
        ...auth(student.token),
      }),
    ),
    [201],
  );
  const id = booking.id;
  ok(await chain.send('POST /api/bookings/{id}/accept', () => api.POST('/api/bookings/{id}/accept', { params: { path: { id } }, ...auth(tutor.token) })), [200]);
  const init = ok(
    await sendRetrying(chain, retries, 'pay', ['payment.not_ready'], 'POST /api/bookings/{id}/payment', () => api.POST('/api/bookings/{id}/payment', { params: { path: { id } }, ...auth(student.token) })),
    [200, 201],
  );
  const page = await chain.send('sandbox GET /checkout/{txRef}', async () => {
    const response = await fetch(init.checkoutUrl);
    return { response, text: await response.text() };
  });
  if (!page.response.ok || !/Pay/i.test(page.text)) throw new Error(`checkout page did not load: ${page.response.status}`);
  const paid = await chain.send('sandbox POST /checkout/{txRef}/pay', async () => {
    const response = await fetch(`${sandboxUrl}/checkout/${encodeURIComponent(init.txRef)}/pay`, { method: 'POST', redirect: 'manual' });
    return { response, text: await response.text() };
  });
  if (paid.response.status >= 400) throw new Error(`sandbox refused the payment: ${paid.response.status} ${paid.text}`);
  await pollUntil(
    chain,
    `booking ${id} confirmed`,
    'GET /api/bookings/{id}',
    () => api.GET('/api/bookings/{id}', { params: { path: { id } }, ...auth(student.token) }),
    (a) => ok(a, [200]).status === 'confirmed',
    pollMs,
    30000,
  );
  const sessionCodes = ['session.not_ready'];
  ok(
    await sendRetrying(chain, retries, 'start', sessionCodes, 'POST /api/sessions/{bookingId}/start', () =>
      api.POST('/api/sessions/{bookingId}/start', { params: { path: { bookingId: id } }, ...auth(tutor.token) }),
    ),
    [200, 201],
  );
  ok(
    await sendRetrying(chain, retries, 'join', sessionCodes, 'POST /api/sessions/{bookingId}/join', () =>
      api.POST('/api/sessions/{bookingId}/join', { params: { path: { bookingId: id } }, ...auth(student.token) }),
    ),
    [200, 201],
  );
  ok(
    await chain.send('POST /api/sessions/{bookingId}/end', () =>
      api.POST('/api/sessions/{bookingId}/end', { params: { path: { bookingId: id } }, body: { notes: 'Covered chapter 3.' }, ...auth(tutor.token) }),
    ),
    [200, 201],
  );
  await pollUntil(
    chain,
    `escrow of ${id} released`,
    'GET /api/bookings/{id}/payment',
    () => api.GET('/api/bookings/{id}/payment', { params: { path: { id } }, ...auth(tutor.token) }),
    (a) => ok(a, [200]).escrow?.status === 'released',
    pollMs,
    60000,
  );
}

export interface OpenLoopOptions {
  api: TutorhubClient;
  sandboxUrl: string;
  /** The user pairs: a pair runs one lesson at a time, so their number bounds lessons in flight. */
  pairs: Pair[];
  rate: number;
  /** Arrivals in the first `warmupSeconds` run but are not recorded. */
  warmupSeconds: number;
  seconds: number;
  pollMs: number;
  recorder: DueRecorder;
  /** Called when the warm-up's arrivals are all out and the measured window starts. */
  onMeasureStart?: () => void;
  onTick?: (s: OpenLoopProgress) => void;
}

export interface OpenLoopProgress {
  arrived: number;
  done: number;
  failed: number;
  inFlight: number;
  waitingForPair: number;
}

/**
 * Open loop: lesson i (i = 0, 1, …) arrives at t0 + i / rate, whatever happened to the earlier
 * ones, and runs as its own chain with its first request due at its arrival. A lesson needs a
 * free user pair; when all are busy it waits for one (counted: `pairWaits`), and that wait is
 * part of its first request's latency, since that request was due at arrival.
 */
export async function runOpenLoop(o: OpenLoopOptions) {
  const interval = 1000 / o.rate;
  const warmupArrivals = Math.round(o.rate * o.warmupSeconds);
  const total = warmupArrivals + Math.round(o.rate * o.seconds);
  const free = [...o.pairs];
  const waiters: Array<(p: Pair | null) => void> = [];
  const retries: RetryCounts = {};
  const errors: string[] = [];
  const durationsMs: number[] = [];
  const firstSendLagMs: number[] = [];
  const completedAt: number[] = [];
  let measuredDone = 0;
  let measuredFailed = 0;
  let done = 0;
  let failed = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let running = 0;
  let maxRunning = 0;
  let arrived = 0;
  let pairWaits = 0;
  let retiredPairs = 0;
  const acquire = (): Promise<Pair | null> => {
    if (retiredPairs >= o.pairs.length) return Promise.resolve(null);
    const p = free.shift();
    if (p) return Promise.resolve(p);
    pairWaits++;
    return new Promise((resolve) => waiters.push(resolve));
  };
  const release = (p: Pair) => {
    const w = waiters.shift();
    if (w) w(p);
    else free.push(p);
  };
  const progress = () => o.onTick?.({ arrived, done, failed, inFlight, waitingForPair: waiters.length });

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const t0 = performance.now() + 50;
  const measureFrom = t0 + warmupArrivals * interval;
  const measureTo = t0 + total * interval;
  const lessons: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    // Not awaited: the arrivals keep their schedule while the caller takes its "before" readings.
    if (i === warmupArrivals) o.onMeasureStart?.();
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const measured = i >= warmupArrivals;
    arrived++;
    lessons.push(
      (async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const pair = await acquire();
        if (!pair) {
          failed++;
          if (measured) measuredFailed++;
          if (errors.length < 20) errors.push('no user pair left: every pair was taken out after a failed lesson');
          inFlight--;
          return;
        }
        running++;
        maxRunning = Math.max(maxRunning, running);
        const chain = new Chain(due, measured ? o.recorder : null);
        if (measured) firstSendLagMs.push(performance.now() - due);
        let ok = false;
        try {
          await dueLifecycle(o.api, o.sandboxUrl, pair, chain, o.pollMs, retries);
          ok = true;
          done++;
          if (measured) {
            measuredDone++;
            durationsMs.push(performance.now() - due);
          }
          completedAt.push(performance.now());
        } catch (err) {
          failed++;
          if (measured) measuredFailed++;
          if (errors.length < 20) errors.push((err as Error).message.slice(0, 500));
        } finally {
          inFlight--;
          running--;
          // A failed lesson may leave a live booking behind that blocks the pair for its hour:
          // take the pair out rather than fail every later lesson given to it.
          if (ok) release(pair);
          else if (++retiredPairs >= o.pairs.length) for (const w of waiters.splice(0)) w(null);
          progress();
        }
      })(),
    );
    progress();
  }
  await Promise.all(lessons);
  const finishedAt = performance.now();
  loopDelay.disable();
  const windowSeconds = (measureTo - measureFrom) / 1000;
  // Completions are counted over the measured window shifted by the median lesson time: a lesson
  // arriving at the window's start completes about that much later, so an unshifted window would
  // start with the warm-up's few completions and read low even when the platform keeps up.
  const shift = summarize(durationsMs).p50Ms ?? 0;
  const completedInWindow = completedAt.filter((t) => t >= measureFrom + shift && t < measureTo + shift).length;
  return {
    offeredPerSecond: o.rate,
    warmupArrivals,
    arrivals: total - warmupArrivals,
    windowSeconds,
    done: measuredDone,
    failed: measuredFailed,
    failedIncludingWarmup: failed,
    /** Lessons (any arrival) that completed inside the measured window shifted by the median lesson time, per second of it. */
    achievedPerSecond: completedInWindow / windowSeconds,
    /** From the last arrival until the last lesson ended. */
    drainSeconds: (finishedAt - measureTo) / 1000,
    lifecycleMsFromArrival: summarize(durationsMs),
    /** From a lesson's arrival to its first request leaving: the client's own lateness plus any wait for a free pair. */
    firstSendLagMs: summarize(firstSendLagMs),
    benchEventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    pairs: o.pairs.length,
    /** Most lessons arrived and not finished at once, those waiting for a pair included. */
    maxInFlight,
    /** Most lessons holding a pair at once (≤ pairs). */
    maxRunning,
    /** Arrivals that found every pair busy (the safety bound was hit) and waited. */
    pairWaits,
    retiredPairs,
    eventualConsistencyRetries: retries,
    errors,
  };
}

export type OpenLoopRun = Awaited<ReturnType<typeof runOpenLoop>>;
