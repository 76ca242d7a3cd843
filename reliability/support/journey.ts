import { randomUUID } from 'node:crypto';
import { FEE_BPS } from './cluster';
import { http, retrying, until, type Reply, type RetryPolicy } from './http';

/**
 * Lesson journeys over the public API, written as a careful mobile client: one Idempotency-Key
 * per step for all its retries, transient failures (network, 502/503/504) retried until a
 * deadline, and "not yet" answers of eventual consistency (a read model that has not seen the
 * event yet) retried too. Nothing here reaches into a database: the checks do that afterwards.
 */

export interface Account {
  id: string;
  email: string;
  fullName: string;
  role: 'student' | 'tutor' | 'admin';
  token: string;
  password: string;
}

export interface Money {
  amountMinor: number;
  currency: 'ETB' | 'USD';
}

export type JourneyKind = 'lesson' | 'cancel' | 'tutor_absent';

/** What a journey of each kind must end as. */
export const EXPECTED: Record<JourneyKind, { booking: string; escrow: string }> = {
  lesson: { booking: 'completed', escrow: 'released' },
  cancel: { booking: 'cancelled', escrow: 'refunded' },
  tutor_absent: { booking: 'no_show', escrow: 'refunded' },
};

export interface JourneyResult {
  kind: JourneyKind;
  bookingId: string;
  student: Account;
  tutor: Account;
  price: Money;
  /** Steps taken, for failure reports. */
  trail: string[];
}

export interface Client {
  /** The gateway API base to use for the next attempt (may rotate between replicas). */
  base: () => string;
  sandboxUrl: string;
  /** Per-step deadline for retries, ms. */
  stepTimeoutMs?: number;
  /** How far ahead a tutor_absent journey books its lesson (default 50 s). */
  tutorAbsentLeadMs?: number;
}

const PASSWORD = 'correct horse battery staple';
/** The cluster's SESSION_START_LATE_MINUTES (0.1 min). */
const START_WINDOW_LATE_MS = 6_000;
const TUTOR_ABSENT_LEAD_MS = 50_000;
// Read-your-writes (docs/design.md §6): the server waits for the events a request depends on, so the
// only "not yet" is its `409 *.not_ready` after that wait; a 404 means what it says.
const NOT_YET = ['payment.not_ready', 'session.not_ready', 'dispute.not_ready'];

function policy(c: Client, p: Omit<RetryPolicy, 'timeoutMs'> & { timeoutMs?: number }): RetryPolicy {
  return { timeoutMs: c.stepTimeoutMs ?? 90000, ...p };
}

export async function register(c: Client, role: 'student' | 'tutor', fullName: string): Promise<Account> {
  const email = `${fullName.toLowerCase().replace(/\W+/g, '.')}.${randomUUID().slice(0, 12)}@reliability.test`;
  // Registration is public (no Idempotency-Key): a retry after a lost answer finds the email
  // taken, and then logs in instead.
  const r = await retrying<{ user: { id: string }; accessToken: string }>(
    c.base,
    'POST',
    '/auth/register',
    { body: { email, password: PASSWORD, fullName, role } },
    policy(c, { ok: [201], settle: async (res) => ((res.body as { code?: string })?.code === 'auth.email_taken' ? login(c, email, PASSWORD) : undefined) }),
  );
  return { id: r.body.user.id, email, fullName, role, token: r.body.accessToken, password: PASSWORD };
}

async function login(c: Client, email: string, password: string): Promise<Reply<{ user: { id: string }; accessToken: string }>> {
  return retrying(c.base, 'POST', '/auth/login', { body: { email, password } }, policy(c, { ok: [200] }));
}

export async function loginAs(c: Client, email: string, password: string): Promise<{ id: string; token: string }> {
  const r = await login(c, email, password);
  return { id: r.body.user.id, token: r.body.accessToken };
}

export async function setUpTutor(c: Client, tutor: Account, subject: string, rate: Money): Promise<void> {
  await retrying(
    c.base,
    'PUT',
    '/tutors/me',
    { token: tutor.token, body: { headline: `${subject} tutor`, bio: `I teach ${subject}.`, subjects: [subject], hourlyRate: rate, timezone: 'Africa/Addis_Ababa' } },
    policy(c, { ok: [200] }),
  );
}

export interface Booking {
  id: string;
  status: string;
  price: Money;
  studentId: string;
  tutorId: string;
}

export async function book(c: Client, student: Account, tutor: Account, subject: string, startsAt: Date, durationMinutes: number): Promise<Booking> {
  const r = await retrying<Booking>(
    c.base,
    'POST',
    '/bookings',
    { token: student.token, body: { tutorId: tutor.id, subject, startsAt: startsAt.toISOString(), durationMinutes } },
    policy(c, { ok: [201] }),
  );
  return r.body;
}

export async function getBooking(c: Client, who: Account, bookingId: string): Promise<Booking> {
  const r = await retrying<Booking>(c.base, 'GET', `/bookings/${bookingId}`, { token: who.token }, policy(c, { ok: [200] }));
  return r.body;
}

export async function waitBookingStatus(c: Client, who: Account, bookingId: string, statuses: string[], timeoutMs = 90000): Promise<Booking> {
  return until(`booking ${bookingId} to be ${statuses.join('|')}`, async () => {
    const r = await http<Booking>(c.base(), 'GET', `/bookings/${bookingId}`, { token: who.token, timeoutMs: 10000 });
    return r.status === 200 && statuses.includes(r.body.status) ? r.body : undefined;
  }, timeoutMs, 200);
}

/** A transition that a lost answer may already have made: 409 is fine when the booking has moved on. */
function movedOn(c: Client, who: Account, bookingId: string, accepted: string[]) {
  return async (r: Reply) => {
    if (r.status !== 409) return undefined;
    const b = await getBooking(c, who, bookingId);
    return accepted.includes(b.status) ? { ...r, status: 200, body: b } : undefined;
  };
}

export async function accept(c: Client, tutor: Account, bookingId: string): Promise<void> {
  await retrying(c.base, 'POST', `/bookings/${bookingId}/accept`, { token: tutor.token }, policy(c, { ok: [200], settle: movedOn(c, tutor, bookingId, ['accepted', 'confirmed']) }));
}

export async function cancel(c: Client, who: Account, bookingId: string): Promise<void> {
  await retrying(
    c.base,
    'POST',
    `/bookings/${bookingId}/cancel`,
    { token: who.token, body: { reason: 'Plans changed' } },
    policy(c, { ok: [200], settle: movedOn(c, who, bookingId, ['cancelled']) }),
  );
}

export interface PaymentView {
  payment: { status: string; id?: string; txRef?: string } | null;
  escrow: { status: string } | null;
}

/**
 * Opens the checkout (payments learns of the accepted booking by event, hence the "not yet"
 * retry) and pays on the sandbox as the student's browser would. A payment the sandbox already
 * settled (a retry) is fine: the webhook, callback or reconciliation job verifies it.
 */
export async function pay(c: Client, student: Account, bookingId: string): Promise<string> {
  const init = await retrying<{ txRef: string; checkoutUrl: string; status: string }>(
    c.base,
    'POST',
    `/bookings/${bookingId}/payment`,
    { token: student.token },
    // `payment.initiation_in_progress` says "try again in a moment": another attempt is opening
    // the checkout, or one cut off mid-way (a database failover) is retired after a minute.
    // `payment.not_ready`: the acceptance has not reached payments within the server's wait (a
    // broker partition holds events back); the answer says retry (the HA lab's partition).
    policy(c, { ok: [200, 201], retryCodes: ['booking.not_found', 'payment.initiation_in_progress', ...NOT_YET] }),
  );
  const txRef = init.body.txRef;
  await until(`the sandbox to take payment ${txRef}`, async () => {
    const r = await http(c.sandboxUrl, 'POST', `/checkout/${encodeURIComponent(txRef)}/pay`, { timeoutMs: 15000 });
    if (r.status > 0 && r.status < 400) return true;
    // Already settled by an earlier attempt whose answer was lost.
    if (r.status === 409 || (r.status === 400 && /already|success/i.test(r.text))) return true;
    throw new Error(`sandbox answered ${r.status}: ${r.text.slice(0, 200)}`);
  }, c.stepTimeoutMs ?? 90000, 300);
  return txRef;
}

export async function paymentView(c: Client, who: Account, bookingId: string): Promise<PaymentView> {
  return (await retrying<PaymentView>(c.base, 'GET', `/bookings/${bookingId}/payment`, { token: who.token }, policy(c, { ok: [200], retryCodes: ['booking.not_found'] }))).body;
}

export async function waitEscrow(c: Client, who: Account, bookingId: string, statuses: string[], timeoutMs = 90000): Promise<PaymentView> {
  return until(`escrow of ${bookingId} to be ${statuses.join('|')}`, async () => {
    const r = await http<PaymentView>(c.base(), 'GET', `/bookings/${bookingId}/payment`, { token: who.token, timeoutMs: 10000 });
    return r.status === 200 && r.body.escrow && statuses.includes(r.body.escrow.status) ? r.body : undefined;
  }, timeoutMs, 250);
}

export async function sessionCall(c: Client, who: Account, bookingId: string, action: 'start' | 'join' | 'end'): Promise<Reply> {
  return retrying(
    c.base,
    'POST',
    `/sessions/${bookingId}/${action}`,
    { token: who.token, body: action === 'end' ? { notes: 'Covered chapter 3.' } : {} },
    policy(c, {
      ok: [200, 201],
      retryCodes: NOT_YET,
      // Ending twice (a retry whose first answer was lost) is fine.
      settle: (r) => (action === 'end' && (r.body as { code?: string })?.code === 'session.already_ended' ? { ...r, status: 200 } : undefined),
    }),
  );
}

export async function wallet(c: Client, tutor: Account): Promise<{ available: Money; pendingEscrow: Money; lifetimeEarnings: Money }> {
  return (await retrying<{ available: Money; pendingEscrow: Money; lifetimeEarnings: Money }>(c.base, 'GET', '/wallet', { token: tutor.token }, policy(c, { ok: [200] }))).body;
}

export function feeOf(amountMinor: number): number {
  return Math.floor((amountMinor * FEE_BPS) / 10000);
}

export interface JourneyOptions {
  kind: JourneyKind;
  /** Unique per journey: the tutor's subject. */
  tag: string;
  rate?: Money;
  /** Called between steps with the step name (fault scenarios use it to time their faults). */
  onStep?: (step: string) => void | Promise<void>;
}

/**
 * Runs one journey to its end state:
 * - lesson: book → accept → pay → confirmed → tutor starts, student joins, tutor ends → completed, escrow released;
 * - cancel: a lesson three days ahead, paid, then cancelled by the student → 100 % refund;
 * - tutor_absent: paid, the student starts, waits out the start window alone and ends → no_show, refunded.
 */
export async function runJourney(c: Client, o: JourneyOptions): Promise<JourneyResult> {
  const trail: string[] = [];
  const step = async (name: string) => {
    trail.push(`${new Date().toISOString()} ${name}`);
    await o.onStep?.(name);
  };
  const rate = o.rate ?? { amountMinor: 40000 + Math.floor(Math.random() * 200) * 100, currency: 'ETB' as const };
  const subject = `rel-${o.tag}`;
  try {
    await step('register');
    const [tutor, student] = await Promise.all([register(c, 'tutor', `Tutor ${o.tag}`), register(c, 'student', `Student ${o.tag}`)]);
    await step('profile');
    await setUpTutor(c, tutor, subject, rate);
    await step('book');
    // Four minutes ahead: inside the start window (5 min early), with room to pay before the
    // lesson starts even when a fault holds the payment up (an unpaid booking expires at startsAt).
    // A tutor_absent journey waits until the start window has closed (the cluster closes it 6 s
    // after the start) before the student ends alone, so it starts sooner: 50 s ahead.
    const startsAt =
      o.kind === 'cancel'
        ? new Date(Date.now() + 3 * 24 * 3600_000)
        : new Date(Date.now() + (o.kind === 'tutor_absent' ? (c.tutorAbsentLeadMs ?? TUTOR_ABSENT_LEAD_MS) : 4 * 60_000));
    const booking = await book(c, student, tutor, subject, startsAt, 30);
    const base = { kind: o.kind, bookingId: booking.id, student, tutor, price: booking.price, trail };
    await step('accept');
    await accept(c, tutor, booking.id);
    await step('pay');
    await pay(c, student, booking.id);
    await step('confirmed');
    await waitBookingStatus(c, student, booking.id, ['confirmed']);
    await waitEscrow(c, student, booking.id, ['held']);
    if (o.kind === 'cancel') {
      await step('cancel');
      await cancel(c, student, booking.id);
    } else if (o.kind === 'tutor_absent') {
      await step('start');
      await sessionCall(c, student, booking.id, 'start');
      // docs/design.md §4: ending alone while the start window is open would be the student's own (late)
      // cancellation; the tutor is absent only once the window has closed without them.
      await step('wait for the start window to close');
      await new Promise((r) => setTimeout(r, Math.max(0, startsAt.getTime() + START_WINDOW_LATE_MS + 1000 - Date.now())));
      await step('end');
      await sessionCall(c, student, booking.id, 'end');
    } else {
      await step('start');
      await sessionCall(c, tutor, booking.id, 'start');
      await step('join');
      await sessionCall(c, student, booking.id, 'join');
      await step('end');
      await sessionCall(c, tutor, booking.id, 'end');
    }
    await step('settled');
    await waitBookingStatus(c, student, booking.id, [EXPECTED[o.kind].booking]);
    await waitEscrow(c, student, booking.id, [EXPECTED[o.kind].escrow]);
    await step('done');
    return base;
  } catch (err) {
    throw new Error(`journey ${o.tag} (${o.kind}) failed: ${(err as Error).message}\n${trail.join('\n')}`);
  }
}

/** Runs `n` journeys, `concurrency` at a time, kinds in rotation; all must complete. */
export async function runBatch(c: Client | ((i: number) => Client), n: number, concurrency: number, runTag: string, kinds: JourneyKind[] = ['lesson', 'cancel', 'tutor_absent'], onStep?: JourneyOptions['onStep']): Promise<JourneyResult[]> {
  const results: JourneyResult[] = new Array(n);
  const errors: Error[] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const client = typeof c === 'function' ? c(i) : c;
      try {
        results[i] = await runJourney(client, { kind: kinds[i % kinds.length], tag: `${runTag}-${i}`, onStep });
      } catch (err) {
        errors.push(err as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  if (errors.length) throw new Error(`${errors.length} of ${n} journeys failed:\n${errors.map((e) => e.message).join('\n---\n')}`);
  return results;
}

/**
 * Starts `n` journeys one after another, `staggerMs` apart, all running at once afterwards, so
 * that at any moment some are booking, some paying, some in a session and some settling.
 */
export async function runStaggered(c: (i: number) => Client, n: number, staggerMs: number, runTag: string, kinds: JourneyKind[], onStep?: JourneyOptions['onStep']): Promise<JourneyResult[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: n }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * staggerMs));
      return runJourney(c(i), { kind: kinds[i % kinds.length], tag: `${runTag}-${i}`, onStep });
    }),
  );
  const errors = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => (s.reason as Error).message);
  if (errors.length) throw new Error(`${errors.length} of ${n} journeys failed:\n${errors.join('\n---\n')}`);
  return settled.map((s) => (s as PromiseFulfilledResult<JourneyResult>).value);
}
