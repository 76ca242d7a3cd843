import { seededRandom } from '@tutorhub/messaging';
import { http } from '../http';
import { loginAs, register, setUpTutor, type Account, type Client } from '../journey';
import { call, type Ctx, type History } from './history';

/**
 * Randomized lessons over the public API. Each lesson's plan comes from its own seeded stream
 * (`<seed>:lesson:<i>`), so a seed replays the same plans (the interleaving with the platform's
 * own timing, and the delivery chaos, vary). A plan may pay late or never, cancel at any moment
 * (student, tutor or admin; right after paying, before the confirmation is visible; around the
 * start), start and end early before the other party joined, leave a party absent, let nobody
 * start, dispute just as the release falls due, and have an admin settle by hand or resolve the
 * dispute while the release job runs on both replicas.
 */

export interface ChaosTiming {
  /** SESSION_START_LATE_MINUTES of the cluster: the start window closes at startsAt + this. */
  startLateMinutes: number;
  /** ESCROW_RELEASE_DELAY_HOURS in ms. */
  releaseDelayMs: number;
  /** Lessons nobody ends are ended by the system at endsAt + grace: only in long runs. */
  allowAutoEnd: boolean;
}

type Who = 'student' | 'tutor' | 'admin';
type CancelWhen = 'before_accept' | 'after_accept' | 'right_after_pay' | 'after_confirmed' | 'around_start' | 'during_session';
type SessionPlan = 'normal' | 'tutor_ends_early' | 'student_ends_early' | 'student_absent' | 'tutor_absent' | 'nobody' | 'auto_end';

export interface LessonPlan {
  index: number;
  leadSeconds: number;
  rateMinor: number;
  accept: 'accept' | 'decline' | 'never';
  acceptDelayMs: number;
  pay: 'prompt' | 'late' | 'never';
  /** For a late payment: when, relative to startsAt. */
  lateOffsetMs: number;
  cancel: null | { who: Who; when: CancelWhen; offsetMs: number; otherToo: boolean };
  session: SessionPlan;
  starter: 'student' | 'tutor';
  ender: 'student' | 'tutor';
  /** When the first participant presses start, relative to startsAt (clamped to now). */
  startOffsetMs: number;
  joinDelayMs: number;
  joinWith: 'join' | 'start';
  endDelayMs: number;
  dispute: 'none' | 'early' | 'at_release' | 'late';
  disputeOffsetMs: number;
  resolve: { outcome: 'release' | 'refund' | 'split'; bps: number; delayMs: number };
  adminEscrow: null | { action: 'release' | 'refund'; offsetMs: number };
  /** The student releases the escrow early ("the lesson was fine, pay the tutor now"), after the session ends. */
  studentRelease: null | { afterEndMs: number };
}

function pick<T>(r: () => number, weighted: Array<[T, number]>): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of weighted) {
    if ((x -= w) < 0) return v;
  }
  return weighted[weighted.length - 1][0];
}

const between = (r: () => number, lo: number, hi: number) => Math.round(lo + r() * (hi - lo));

export function planLesson(seed: string, index: number, t: ChaosTiming): LessonPlan {
  const r = seededRandom(`${seed}:lesson:${index}`);
  const windowMs = t.startLateMinutes * 60_000;
  const leadSeconds = pick(r, [
    [between(r, 45, 120), 85],
    [between(r, 120, 220), 10],
    [between(r, 3600, 7200), 5],
  ]);
  // A lesson hours ahead is only booked, paid and perhaps cancelled (the 100 % tier): the run
  // does not wait for it.
  const far = leadSeconds > 600;
  const cancelled = r() < 0.3;
  const cancel = cancelled || far
    ? {
        who: pick<Who>(r, [['student', 60], ['tutor', 32], ['admin', 8]]),
        when: far ? pick<CancelWhen>(r, [['right_after_pay', 1], ['after_confirmed', 1]]) : pick<CancelWhen>(r, [
          ['before_accept', 8],
          ['after_accept', 12],
          ['right_after_pay', 30],
          ['after_confirmed', 22],
          ['around_start', 16],
          ['during_session', 12],
        ]),
        offsetMs: between(r, 0, 20000),
        otherToo: r() < 0.15,
      }
    : null;
  return {
    index,
    leadSeconds,
    rateMinor: between(r, 300, 700) * 100,
    accept: pick(r, [['accept', 90], ['decline', 3], ['never', 7]]),
    acceptDelayMs: pick(r, [[0, 70], [between(r, 0, 15000), 30]]),
    pay: far ? 'prompt' : pick(r, [['prompt', 80], ['late', 12], ['never', 8]]),
    lateOffsetMs: between(r, -8000, 4000),
    cancel,
    session: far ? 'nobody' : pick<SessionPlan>(r, [
      ['normal', 44],
      ['tutor_ends_early', 9],
      ['student_ends_early', 9],
      ['student_absent', 9],
      ['tutor_absent', 9],
      ['nobody', 10],
      ['auto_end', t.allowAutoEnd ? 6 : 0],
    ]),
    starter: r() < 0.5 ? 'student' : 'tutor',
    ender: r() < 0.5 ? 'student' : 'tutor',
    startOffsetMs: between(r, -20000, Math.max(0, windowMs - 25000)),
    joinDelayMs: between(r, 0, 6000),
    joinWith: r() < 0.7 ? 'join' : 'start',
    endDelayMs: between(r, 1000, 12000),
    dispute: pick(r, [['none', 55], ['early', 10], ['at_release', 28], ['late', 7]]),
    disputeOffsetMs: between(r, -1500, 1500),
    resolve: { outcome: pick(r, [['release', 35], ['refund', 35], ['split', 30]]), bps: between(r, 1, 9999), delayMs: between(r, 0, 6000) },
    adminEscrow: r() < 0.1 ? { action: r() < 0.5 ? 'release' : 'refund', offsetMs: between(r, -1000, 1000) } : null,
    // Its own stream, so that adding it left every other draw of a seed's plans as it was.
    studentRelease: (() => {
      const q = seededRandom(`${seed}:lesson:${index}:student-release`);
      return q() < 0.15 ? { afterEndMs: between(q, 0, Math.max(1000, t.releaseDelayMs)) } : null;
    })(),
  };
}

export interface LessonRun {
  plan: LessonPlan;
  bookingId?: string;
  startsAt?: number;
  student?: Account;
  tutor?: Account;
  error?: string;
}

export interface Runner {
  history: History;
  client: Client;
  /** Gateways to spread calls over. */
  bases: string[];
  admin: { email: string; password: string };
  timing: ChaosTiming;
  tag: string;
}

const sleepUntil = async (at: number) => {
  const ms = at - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
};

/** Lessons are 15 minutes long (the shortest bookable): a lesson nobody ends is ended by the system then. */
export const LESSON_MINUTES = 15;

export async function runLesson(rn: Runner, plan: LessonPlan): Promise<LessonRun> {
  const run: LessonRun = { plan };
  let turn = plan.index;
  const ctx: Ctx = { history: rn.history, lesson: plan.index, base: () => rn.bases[turn++ % rn.bases.length] };
  const tag = `${rn.tag}-${plan.index}`;
  try {
    const [tutor, student] = await Promise.all([register(rn.client, 'tutor', `Chaos Tutor ${tag}`), register(rn.client, 'student', `Chaos Student ${tag}`)]);
    run.tutor = tutor;
    run.student = student;
    const subject = `chaos-${tag}`;
    await setUpTutor(rn.client, tutor, subject, { amountMinor: plan.rateMinor, currency: 'ETB' });
    const startsAt = Date.now() + plan.leadSeconds * 1000;
    run.startsAt = startsAt;
    const booked = await call<{ id: string }>(ctx, 'student', 'book', 'POST', '/bookings', {
      token: student.token,
      ok: [201],
      body: { tutorId: tutor.id, subject, startsAt: new Date(startsAt).toISOString(), durationMinutes: LESSON_MINUTES },
    });
    if (booked.status !== 201) return run;
    const bookingId = booked.body.id;
    run.bookingId = bookingId;
    ctx.bookingId = bookingId;
    const token = (who: Who) => (who === 'student' ? student.token : who === 'tutor' ? tutor.token : undefined);

    const cancel = async (who: Who) => {
      const t = who === 'admin' ? (await loginAs(rn.client, rn.admin.email, rn.admin.password)).token : token(who);
      await call(ctx, who, 'cancel', 'POST', `/bookings/${bookingId}/cancel`, { token: t, ok: [200], body: { reason: 'chaos' } });
    };
    const cancelNow = async () => {
      if (!plan.cancel) return;
      const other: Who = plan.cancel.who === 'student' ? 'tutor' : 'student';
      await Promise.all([cancel(plan.cancel.who), plan.cancel.otherToo ? cancel(other) : Promise.resolve()]);
    };
    const cancelAt = (when: CancelWhen) => plan.cancel?.when === when;

    if (cancelAt('before_accept')) await cancelNow();
    await new Promise((r) => setTimeout(r, plan.acceptDelayMs));
    if (plan.accept === 'accept') await call(ctx, 'tutor', 'accept', 'POST', `/bookings/${bookingId}/accept`, { token: tutor.token, ok: [200] });
    else if (plan.accept === 'decline') await call(ctx, 'tutor', 'decline', 'POST', `/bookings/${bookingId}/decline`, { token: tutor.token, ok: [200], body: { reason: 'chaos' } });
    if (cancelAt('after_accept')) await cancelNow();

    // "Around the start" runs beside everything else, at its own moment.
    const cancelOffsetMs = plan.cancel?.offsetMs ?? 0;
    const aroundStart = cancelAt('around_start')
      ? (async () => {
          await sleepUntil(startsAt + cancelOffsetMs - 10000);
          await cancelNow();
        })()
      : Promise.resolve();

    if (plan.pay !== 'never') {
      if (plan.pay === 'late') await sleepUntil(startsAt + plan.lateOffsetMs);
      const init = await call<{ txRef: string }>(ctx, 'student', 'pay:init', 'POST', `/bookings/${bookingId}/payment`, {
        token: student.token,
        ok: [200, 201],
        notYet: ['booking.not_found'],
        notYetMs: 20000,
      });
      if (init.status === 200 || init.status === 201) {
        const txRef = init.body.txRef;
        const paid = await http(rn.client.sandboxUrl, 'POST', `/checkout/${encodeURIComponent(txRef)}/pay`, { timeoutMs: 20000 });
        rn.history.add({
          lesson: plan.index,
          bookingId,
          actor: 'student',
          op: 'pay:checkout',
          invokedAt: new Date().toISOString(),
          completedAt: new Date().toISOString(),
          status: paid.status,
          outcome: paid.status > 0 && paid.status < 400 ? 'ok' : 'unexpected',
          attempts: 1,
          note: paid.status >= 400 || paid.status === 0 ? paid.text.slice(0, 200) : undefined,
        });
        if (cancelAt('right_after_pay')) await cancelNow();
      }
    }

    // What the student sees: confirmed (or not) before the session's moment.
    const seenConfirmed = await observeStatus(rn, ctx, student, bookingId, ['confirmed'], Math.min(startsAt + plan.startOffsetMs, Date.now() + 30000));
    if (cancelAt('after_confirmed')) {
      await new Promise((r) => setTimeout(r, Math.min(cancelOffsetMs, Math.max(0, startsAt - Date.now() - 5000))));
      await cancelNow();
    }

    const ended = await runSession(rn, ctx, plan, { student, tutor, bookingId, startsAt, seenConfirmed, cancelNow: cancelAt('during_session') ? cancelNow : undefined });
    await aroundStart;

    if (ended !== null) await afterSession(rn, ctx, plan, student, bookingId, ended);
    return run;
  } catch (err) {
    run.error = (err as Error).message;
    return run;
  }
}

async function observeStatus(rn: Runner, ctx: Ctx, who: Account, bookingId: string, statuses: string[], until: number): Promise<boolean> {
  let last = '';
  do {
    const r = await http<{ status: string }>(ctx.base(), 'GET', `/bookings/${bookingId}`, { token: who.token, timeoutMs: 10000 });
    if (r.status === 200) {
      last = r.body.status;
      if (statuses.includes(last)) break;
      if (['cancelled', 'expired', 'declined'].includes(last)) break;
    }
    await new Promise((res) => setTimeout(res, 300));
  } while (Date.now() < until);
  const now = new Date().toISOString();
  rn.history.add({ lesson: ctx.lesson, bookingId, actor: 'student', op: 'observe', invokedAt: now, completedAt: now, status: 200, outcome: 'ok', attempts: 1, note: `saw ${last || 'nothing'}` });
  return statuses.includes(last);
}

interface SessionInput {
  student: Account;
  tutor: Account;
  bookingId: string;
  startsAt: number;
  seenConfirmed: boolean;
  cancelNow?: () => Promise<void>;
}

/** Plays the session part of the plan; returns when it was ended by a participant (ms), or null. */
async function runSession(rn: Runner, ctx: Ctx, plan: LessonPlan, s: SessionInput): Promise<number | null> {
  if (plan.session === 'nobody') return null;
  const windowEnd = s.startsAt + rn.timing.startLateMinutes * 60_000;
  const acct = (who: 'student' | 'tutor') => (who === 'student' ? s.student : s.tutor);
  const other = (who: 'student' | 'tutor'): 'student' | 'tutor' => (who === 'student' ? 'tutor' : 'student');
  const sessionOp = (who: 'student' | 'tutor', action: 'start' | 'join' | 'end') =>
    call(ctx, who, action, 'POST', `/sessions/${s.bookingId}/${action}`, {
      token: acct(who).token,
      ok: [200, 201],
      // Sessions learns of the confirmation by event: "not yet" for a short while is expected.
      notYet: action === 'end' ? [] : ['session.not_found', 'session.booking_not_confirmed', 'booking.not_found'],
      notYetMs: s.seenConfirmed ? 15000 : 3000,
      body: action === 'end' ? { notes: 'chaos' } : {},
    });

  let starter = plan.starter;
  if (plan.session === 'tutor_ends_early' || plan.session === 'student_absent') starter = 'tutor';
  if (plan.session === 'student_ends_early' || plan.session === 'tutor_absent') starter = 'student';
  const early = plan.session === 'tutor_ends_early' || plan.session === 'student_ends_early';
  // Ending early must happen while the window is open: start no later than 20 s before it closes.
  await sleepUntil(Math.min(s.startsAt + plan.startOffsetMs, early ? windowEnd - 20000 : windowEnd - 5000));
  const started = await sessionOp(starter, 'start');
  if (s.cancelNow) await s.cancelNow();
  if (started.status !== 200 && started.status !== 201) return null;

  switch (plan.session) {
    case 'tutor_ends_early':
    case 'student_ends_early': {
      await new Promise((r) => setTimeout(r, Math.min(plan.endDelayMs, 5000)));
      const end = await sessionOp(starter, 'end');
      // The other party arrives too late to join.
      await new Promise((r) => setTimeout(r, plan.joinDelayMs));
      await sessionOp(other(starter), plan.joinWith);
      return end.status === 200 || end.status === 201 ? Date.now() : null;
    }
    case 'student_absent':
    case 'tutor_absent': {
      // The starter waits out the start window alone, then ends: the other party is absent.
      await sleepUntil(windowEnd + 3000 + plan.joinDelayMs);
      const end = await sessionOp(starter, 'end');
      return end.status === 200 || end.status === 201 ? Date.now() : null;
    }
    case 'auto_end': {
      await new Promise((r) => setTimeout(r, plan.joinDelayMs));
      await sessionOp(other(starter), plan.joinWith);
      return null; // the system ends it at endsAt + grace
    }
    default: {
      await new Promise((r) => setTimeout(r, plan.joinDelayMs));
      await sessionOp(other(starter), plan.joinWith);
      await new Promise((r) => setTimeout(r, plan.endDelayMs));
      const end = await sessionOp(plan.ender, 'end');
      return end.status === 200 || end.status === 201 ? Date.now() : null;
    }
  }
}

/** Disputes around the release, the admin's hand on the escrow, and the dispute's resolution. */
async function afterSession(rn: Runner, ctx: Ctx, plan: LessonPlan, student: Account, bookingId: string, endedAt: number): Promise<void> {
  const admin = async () => (await loginAs(rn.client, rn.admin.email, rn.admin.password)).token;
  const releaseDue = endedAt + rn.timing.releaseDelayMs;
  const tasks: Array<Promise<unknown>> = [];
  if (plan.adminEscrow) {
    const a = plan.adminEscrow;
    tasks.push(
      (async () => {
        const t = await admin();
        await sleepUntil(releaseDue + a.offsetMs);
        await call(ctx, 'admin', `admin:${a.action}`, 'POST', `/admin/escrows/${bookingId}/${a.action}`, { token: t, ok: [200], body: {} });
      })(),
    );
  }
  if (plan.studentRelease) {
    const after = plan.studentRelease.afterEndMs;
    tasks.push(
      (async () => {
        await sleepUntil(endedAt + after);
        // 409 when the lesson's money was already decided (released, refunded, frozen by a dispute).
        await call(ctx, 'student', 'student:release', 'POST', `/sessions/${bookingId}/release-escrow`, { token: student.token, ok: [200] });
      })(),
    );
  }
  if (plan.dispute !== 'none') {
    tasks.push(
      (async () => {
        const at = plan.dispute === 'early' ? endedAt + Math.abs(plan.disputeOffsetMs) / 2 : plan.dispute === 'late' ? releaseDue + 6000 + Math.abs(plan.disputeOffsetMs) : releaseDue + plan.disputeOffsetMs;
        await sleepUntil(at);
        const opened = await call<{ dispute?: { id: string }; id?: string }>(ctx, 'student', 'dispute', 'POST', `/bookings/${bookingId}/dispute`, {
          token: student.token,
          ok: [201],
          body: { reason: 'The lesson was not what was agreed.' },
        });
        if (opened.status !== 201) return;
        const disputeId = opened.body.dispute?.id ?? opened.body.id;
        if (!disputeId) return;
        await new Promise((r) => setTimeout(r, plan.resolve.delayMs));
        await resolveDispute(rn, ctx, await admin(), disputeId, plan.resolve);
      })(),
    );
  }
  await Promise.all(tasks);
}

export async function resolveDispute(rn: Runner, ctx: Ctx, adminToken: string, disputeId: string, how: LessonPlan['resolve']): Promise<void> {
  const body = how.outcome === 'split' ? { outcome: 'split', refundBasisPoints: how.bps, note: 'chaos' } : { outcome: how.outcome, note: 'chaos' };
  await call(ctx, 'admin', `resolve:${how.outcome}`, 'POST', `/admin/disputes/${disputeId}/resolve`, { token: adminToken, ok: [200], body });
}
