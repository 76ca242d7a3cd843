import type { Client } from 'pg';
import { auth, ok, waitFor, type TutorhubClient } from '../../tools/journey/api-client';
import { accept, book, bookingStatus, pay, type JourneyContext } from '../../tools/journey/lesson-journey';
import { Chain, DueRecorder } from './due';
import { pool, type Pair } from './lifecycles';
import { sendRetrying, type RetryCounts } from './openloop';
import { summarize } from './stats';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Seeds the burst's lessons through the real path, before the clock starts: for each pair, book
 * a 60-minute lesson starting at `startsAt`, accept, pay on the sandbox's hosted checkout, and
 * wait until bookings says confirmed. Every service the burst touches (bookings, sessions' copy
 * of the booking, payments, notifications) then holds exactly what production would hold; the
 * caller waits for the outboxes and queues to drain before the burst, so sessions has seen every
 * confirmation. Many lessons at once (`concurrency`), so 1 000 take a minute or two, not ten.
 */
export async function seedConfirmedLessons(ctx: JourneyContext, pairs: Pair[], startsAt: Date, concurrency: number, pollMs: number) {
  const t0 = performance.now();
  const errors: string[] = [];
  const lessons: Array<{ pair: Pair; bookingId: string }> = [];
  await pool(pairs.length, concurrency, async (i) => {
    const pair = pairs[i];
    try {
      const booking = await book(ctx, pair.student, pair.tutor, pair.subject, startsAt, 60);
      await accept(ctx, pair.tutor, booking.id);
      await pay(ctx, pair.student, booking.id);
      await waitFor(`booking ${booking.id} confirmed`, async () => (await bookingStatus(ctx, pair.student, booking.id)).status === 'confirmed', 120000, pollMs);
      lessons.push({ pair, bookingId: booking.id });
    } catch (err) {
      if (errors.length < 20) errors.push((err as Error).message.slice(0, 500));
    }
  });
  return { lessons, failed: pairs.length - lessons.length, errors, seconds: (performance.now() - t0) / 1000 };
}

/** At most `limit` requests in flight from the whole burst (0 = no bound). */
function limiter(limit: number) {
  let active = 0;
  const queue: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (limit > 0 && active >= limit) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

export interface BurstOptions {
  api: TutorhubClient;
  lessons: Array<{ pair: Pair; bookingId: string }>;
  /** When the first calls are due (the lessons' start). */
  at: number;
  /** Lesson i's calls are due at `at + spreadSeconds · i / n` (0: all at once). */
  spreadSeconds: number;
  /** Requests in flight from the bench at most (0: unbounded); a request waiting here is already due. */
  clientConcurrency: number;
  recorder: DueRecorder;
}

/**
 * The top of the hour. For each lesson, both parties' apps open the lesson at its due time and
 * call status; the tutor then starts; the student joins once the tutor's start has answered (the
 * app learns it from the live stream); each then calls status again, as an app does after
 * entering the call. Every request is timed from its due time (see Chain): the first status at
 * the lesson's due time, each next call at the previous answer of that party (the student's join
 * at the later of its status answer and the tutor's start answer). `session.not_ready` (the
 * confirmation not yet in sessions) is retried after its Retry-After, as in the lifecycles.
 */
export async function runBurst(o: BurstOptions) {
  const n = o.lessons.length;
  const limit = limiter(o.clientConcurrency);
  const retries: RetryCounts = {};
  const errors: string[] = [];
  const lessonMs: number[] = [];
  let done = 0;
  let failed = 0;
  const status = (chain: Chain, token: string, bookingId: string) =>
    chain.send('GET /api/sessions/{bookingId}/status', () => limit(() => o.api.GET('/api/sessions/{bookingId}/status', { params: { path: { bookingId } }, ...auth(token) })));
  const wait = o.at - performance.now();
  if (wait > 0) await sleep(wait);
  const t0 = performance.now();
  await Promise.all(
    o.lessons.map(async ({ pair, bookingId }, i) => {
      const due = o.at + (n > 1 ? (o.spreadSeconds * 1000 * i) / n : 0);
      const lateBy = due - performance.now();
      if (lateBy > 0) await sleep(lateBy);
      const tutor = new Chain(due, o.recorder);
      const student = new Chain(due, o.recorder);
      try {
        let started: () => void = () => undefined;
        const tutorStarted = new Promise<void>((r) => (started = r));
        const tutorSide = (async () => {
          try {
            ok(await status(tutor, pair.tutor.token, bookingId), [200]);
            ok(
              await sendRetrying(tutor, retries, 'start', ['session.not_ready'], 'POST /api/sessions/{bookingId}/start', () =>
                limit(() => o.api.POST('/api/sessions/{bookingId}/start', { params: { path: { bookingId } }, ...auth(pair.tutor.token) })),
              ),
              [200, 201],
            );
          } finally {
            started();
          }
          ok(await status(tutor, pair.tutor.token, bookingId), [200]);
        })();
        const studentSide = (async () => {
          ok(await status(student, pair.student.token, bookingId), [200]);
          await tutorStarted;
          student.due = Math.max(student.due, tutor.due);
          ok(
            await sendRetrying(student, retries, 'join', ['session.not_ready'], 'POST /api/sessions/{bookingId}/join', () =>
              limit(() => o.api.POST('/api/sessions/{bookingId}/join', { params: { path: { bookingId } }, ...auth(pair.student.token) })),
            ),
            [200, 201],
          );
          ok(await status(student, pair.student.token, bookingId), [200]);
        })();
        const results = await Promise.allSettled([tutorSide, studentSide]);
        const rejected = results.find((r) => r.status === 'rejected');
        if (rejected) throw (rejected as PromiseRejectedResult).reason;
        done++;
        lessonMs.push(performance.now() - due);
      } catch (err) {
        failed++;
        if (errors.length < 20) errors.push((err as Error).message.slice(0, 500));
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { lessons: n, done, failed, seconds, firedLateByMs: t0 - o.at, lessonMsFromDue: summarize(lessonMs), eventualConsistencyRetries: retries, errors };
}

/** What sessions holds after the burst: sessions active, and attendance rows (both parties joined). */
export async function verifyBurst(db: Client, bookingIds: string[]) {
  const { rows } = await db.query(
    `SELECT count(DISTINCT s.booking_id)::int AS sessions,
            count(DISTINCT s.booking_id) FILTER (WHERE s.status = 'active')::int AS active,
            count(a.*)::int AS attendance
       FROM sessions.sessions s LEFT JOIN sessions.session_attendance a ON a.session_id = s.id
      WHERE s.booking_id = ANY($1::uuid[])`,
    [bookingIds],
  );
  const r = rows[0] as { sessions: number; active: number; attendance: number };
  return { lessons: bookingIds.length, ...r, ok: r.sessions === bookingIds.length && r.active === bookingIds.length && r.attendance === 2 * bookingIds.length };
}
