import { randomUUID } from 'node:crypto';
import { ApiError, waitFor } from '../../tools/journey/api-client';
import {
  accept,
  book,
  bookingStatus,
  endSession,
  findTutor,
  joinSession,
  pay,
  paymentView,
  register,
  setUpTutor,
  startSession,
  type Account,
  type JourneyContext,
} from '../../tools/journey/lesson-journey';
import { summarize } from './stats';

export interface Pair {
  tutor: Account;
  student: Account;
  subject: string;
}

/** Runs `fn` for 0..n-1 with at most `concurrency` at a time. */
export async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/**
 * Sign-ups at once while setting up. The gateway sheds password work beyond its small queue
 * (ADR 0017: PASSWORD_HASH_MAX_QUEUE, 16) with 503 + Retry-After; setting up hundreds of users
 * through it the way a well-behaved client would means a few at a time, not all at once.
 */
const REGISTER_CONCURRENCY = 8;

/** Registers `n` tutor/student pairs and publishes each tutor's profile (their own subject). */
export async function registerPairs(ctx: JourneyContext, n: number, concurrency: number, runId: string): Promise<{ pairs: Pair[]; registerSeconds: number; profileSeconds: number }> {
  const t0 = performance.now();
  const accounts = await pool(2 * n, Math.min(concurrency, REGISTER_CONCURRENCY), (i) => register(ctx, i % 2 === 0 ? 'tutor' : 'student', `${i % 2 === 0 ? 'Tutor' : 'Student'} ${Math.floor(i / 2)}`));
  const registerSeconds = (performance.now() - t0) / 1000;
  const pairs: Pair[] = Array.from({ length: n }, (_, i) => ({ tutor: accounts[2 * i], student: accounts[2 * i + 1], subject: `bench-${runId}-${i}` }));
  const t1 = performance.now();
  await pool(n, concurrency, (i) => setUpTutor(ctx, pairs[i].tutor, pairs[i].subject, { amountMinor: 50000, currency: 'ETB' }));
  return { pairs, registerSeconds, profileSeconds: (performance.now() - t1) / 1000 };
}

export const STEPS = ['search', 'book', 'accept', 'pay', 'waitConfirmed', 'start', 'join', 'end', 'waitReleased'] as const;
export type Step = (typeof STEPS)[number];

export interface LifecycleStats {
  done: number;
  failed: number;
  /** Requests repeated because an event had not reached the answering service yet (eventual consistency). */
  retries: Record<string, number>;
  errors: string[];
  durationsMs: number[];
  steps: Record<Step, number[]>;
}

export function newStats(): LifecycleStats {
  return { done: 0, failed: 0, retries: {}, errors: [], durationsMs: [], steps: Object.fromEntries(STEPS.map((s) => [s, []])) as unknown as Record<Step, number[]> };
}

/**
 * A refusal that only means "not yet": the server waited for the event a request depends on and
 * it is still on its way (`409 *.not_ready`, read-your-writes), or bookings has not marked the
 * previous lesson of the pair completed (409 slot_taken/overlap). A 404 is never retried.
 */
function notYet(err: unknown, codes: string[]): string | null {
  if (!(err instanceof ApiError)) return null;
  const body = err.response.body as { code?: string } | null;
  return body?.code && codes.includes(body.code) ? body.code : null;
}

async function retrying<T>(stats: LifecycleStats, step: string, codes: string[], fn: () => Promise<T>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = notYet(err, codes);
      if (!code || Date.now() > deadline) throw err;
      const key = `${step}:${code}`;
      stats.retries[key] = (stats.retries[key] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, Math.min(200, 20 * 2 ** attempt)));
    }
  }
}

/**
 * One full lesson of a pair through the gateway: search, book, accept, pay on the sandbox's hosted
 * checkout, wait until confirmed, start, join, end, wait until the escrow is released.
 */
export async function lifecycle(ctx: JourneyContext, pair: Pair, stats: LifecycleStats, pollMs: number): Promise<void> {
  const { tutor, student, subject } = pair;
  const started = performance.now();
  let mark = started;
  const step = (s: Step) => {
    const now = performance.now();
    stats.steps[s].push(now - mark);
    mark = now;
  };
  await findTutor(ctx, student, subject, tutor.id);
  step('search');
  const booking = await retrying(stats, 'book', ['booking.slot_taken', 'booking.student_overlap'], () => book(ctx, student, tutor, subject, new Date(Date.now() + 60_000), 60));
  step('book');
  await accept(ctx, tutor, booking.id);
  step('accept');
  await retrying(stats, 'pay', ['payment.not_ready'], () => pay(ctx, student, booking.id));
  step('pay');
  await waitFor(`booking ${booking.id} confirmed`, async () => (await bookingStatus(ctx, student, booking.id)).status === 'confirmed', 30000, pollMs);
  step('waitConfirmed');
  const sessionCodes = ['session.not_ready'];
  await retrying(stats, 'start', sessionCodes, () => startSession(ctx, tutor, booking.id));
  step('start');
  await retrying(stats, 'join', sessionCodes, () => joinSession(ctx, student, booking.id));
  step('join');
  await endSession(ctx, tutor, booking.id);
  step('end');
  await waitFor(`escrow of ${booking.id} released`, async () => (await paymentView(ctx, tutor, booking.id)).escrow?.status === 'released', 60000, pollMs);
  step('waitReleased');
  stats.durationsMs.push(performance.now() - started);
}

export interface RunOptions {
  ctx: JourneyContext;
  pairs: Pair[];
  total: number;
  pollMs: number;
  onTick?: (s: { done: number; failed: number; inFlight: number }) => void;
}

/** Every pair runs lifecycles back to back until `total` have been started; concurrency = pairs. */
export async function runLifecycles(o: RunOptions): Promise<{ stats: LifecycleStats; seconds: number }> {
  const stats = newStats();
  let started = 0;
  let inFlight = 0;
  const t0 = performance.now();
  await Promise.all(
    o.pairs.map(async (pair) => {
      while (started < o.total) {
        started++;
        inFlight++;
        try {
          await lifecycle(o.ctx, pair, stats, o.pollMs);
          stats.done++;
        } catch (err) {
          stats.failed++;
          if (stats.errors.length < 20) stats.errors.push((err as Error).message.slice(0, 500));
          // A failed lifecycle may leave a live booking behind; pause so the pair does not fail
          // every following attempt in a tight loop.
          await new Promise((r) => setTimeout(r, 500));
        } finally {
          inFlight--;
          o.onTick?.({ done: stats.done, failed: stats.failed, inFlight });
        }
      }
    }),
  );
  return { stats, seconds: (performance.now() - t0) / 1000 };
}

export function stepSummary(stats: LifecycleStats) {
  return Object.fromEntries(STEPS.map((s) => [s, (({ count, p50Ms, p99Ms, meanMs }) => ({ count, p50Ms, p99Ms, meanMs }))(summarize(stats.steps[s]))]));
}

export const newRunId = () => randomUUID().slice(0, 8);
