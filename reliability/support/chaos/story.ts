/**
 * The story every booking must tell, the same in every service (docs/design.md §3–§5), as a pure
 * function over the facts read from bookings, payments and sessions after a run (facts.ts).
 * `judge` returns the offending findings (empty = the story holds); each names its check, so a
 * failure says which rule broke and for which booking. `chaos-checks.rel-spec.ts` plants a
 * violation of every check and proves it is caught.
 */

export interface StoryConfig {
  feeBps: number;
  /** CANCEL_FULL_REFUND_HOURS, CANCEL_PARTIAL_REFUND_HOURS, CANCEL_PARTIAL_REFUND_BPS. */
  fullRefundHours: number;
  partialRefundHours: number;
  partialRefundBps: number;
  /** SESSION_START_LATE_MINUTES: the start window closes at startsAt + this. */
  startLateMinutes: number;
  /** Work due longer ago than this at check time must have been done (jobs run every second). */
  overdueMs: number;
}

export interface BookingFacts {
  bookingId: string;
  studentId: string;
  tutorId: string;
  // bookings.bookings
  status: string;
  moneyStatus: string;
  refundedMinor: number;
  releasedMinor: number;
  priceMinor: number;
  startsAt: Date;
  endsAt: Date;
  confirmedAt: Date | null;
  cancelledAt: Date | null;
  cancelledByRole: string | null;
  bookingRefundBps: number | null;
  absentParty: string | null;
  /** `previousStatus` of the booking's cancelled event in bookings' outbox. */
  cancelPreviousStatus: string | null;
  // bookings.disputes
  disputeStatus: string | null;
  disputeOutcome: string | null;
  disputeRefundBps: number | null;
  // payments
  escrowStatus: string | null;
  escrowAmount: number | null;
  escrowRefund: number | null;
  escrowTutor: number | null;
  escrowFee: number | null;
  settleReason: string | null;
  releaseAt: Date | null;
  /** Ledger settlements (released / refunded / split postings) of the escrow. */
  settlements: number;
  /** Sum of this booking's payments captured in the ledger, and of captures per payment (max). */
  capturedMinor: number;
  maxCapturesPerPayment: number;
  /** Refunded on arrival (a payment captured after the booking was settled or had its escrow). */
  refundedOnArrivalMinor: number;
  // sessions
  sessionStatus: string | null;
  sessionStartedAt: Date | null;
  sessionEndedAt: Date | null;
  sessionEndedBy: string | null;
  tutorJoinedAt: Date | null;
  studentJoinedAt: Date | null;
  /** When the facts were read (database clock). */
  now: Date;
}

export interface Finding {
  check: string;
  bookingId: string;
  detail: string;
}

/** The checks, by name; every one has a planted-violation test. */
export const CHECKS = {
  charged: 'the student is not charged when the rules say full refund',
  cancelTier: 'a student cancelling a booking they saw confirmed gets the notice tier, the rest released less the fee',
  payTutor: 'a lesson that took place (or the student missed) pays the tutor, unless a dispute decided otherwise',
  dispute: 'a dispute’s outcome in bookings is what payments did (open dispute ⇔ frozen escrow)',
  undecided: 'money of a lesson not yet decided stays held',
  bookingsMoney: 'bookings’ money fields equal what payments did',
  conservation: 'money is conserved per booking: refund + tutor share + fee = amount paid',
  once: 'no escrow settled twice, no payment captured twice',
  cancelAfterStart: 'no cancellation accepted once startsAt has passed',
  cancelledLesson: 'a cancelled booking has no session that had started before the cancellation',
  sessionAgreement: 'bookings’ status agrees with the session in sessions',
  liveness: 'nothing overdue is left undone (expiry, missed session, release, settlement)',
} as const;

const HOUR_MS = 3_600_000;

export function ceilBps(amount: number, bps: number): number {
  return Number((BigInt(amount) * BigInt(bps) + 9999n) / 10000n);
}

export function feeOf(amount: number, feeBps: number): number {
  return Number((BigInt(amount) * BigInt(feeBps)) / 10000n);
}

/** The student's refund share for a cancellation `leadMs` before the start (docs/design.md §3). */
export function tierBps(leadMs: number, c: StoryConfig): number {
  if (leadMs >= c.fullRefundHours * HOUR_MS) return 10000;
  if (leadMs >= c.partialRefundHours * HOUR_MS) return c.partialRefundBps;
  return 0;
}

/** The split of `amount` that refunds `bps` to the student: refund rounded up, fee rounded down. */
export function splitOf(amount: number, bps: number, feeBps: number): { refund: number; tutor: number; fee: number } {
  const refund = ceilBps(amount, bps);
  const fee = feeOf(amount - refund, feeBps);
  return { refund, tutor: amount - refund - fee, fee };
}

type Expectation =
  | { kind: 'full_refund'; why: string }
  | { kind: 'refund_share'; bps: number; why: string }
  | { kind: 'pay_tutor'; why: string }
  | { kind: 'undecided'; why: string }
  | { kind: 'admin'; why: string }
  /** The services contradict each other (a cancellation after the start or during the session): reported as such; no rule says what the money should be. */
  | { kind: 'contradiction'; why: string };

const joinedBy = (at: Date | null, f: BookingFacts) => at !== null && (f.sessionEndedAt === null || at.getTime() <= f.sessionEndedAt.getTime());

/**
 * docs/design.md §4: a participant who ends the session before the other joined, while the start window is
 * open, has cancelled. Returns who did, or null. A booking cancelled by exactly that (the service
 * may record it as a cancellation) is not a cancellation "after the start".
 */
export function endedEarlyAlone(f: BookingFacts, c: StoryConfig): 'student' | 'tutor' | null {
  if (f.sessionStatus !== 'ended' || !f.sessionEndedAt) return null;
  if (f.sessionEndedAt.getTime() > f.startsAt.getTime() + c.startLateMinutes * 60_000) return null;
  if (f.sessionEndedBy === f.tutorId && joinedBy(f.tutorJoinedAt, f) && !joinedBy(f.studentJoinedAt, f)) return 'tutor';
  if (f.sessionEndedBy === f.studentId && joinedBy(f.studentJoinedAt, f) && !joinedBy(f.tutorJoinedAt, f)) return 'student';
  return null;
}

function cancelledByEarlyEnd(f: BookingFacts, c: StoryConfig): boolean {
  const who = endedEarlyAlone(f, c);
  return f.status === 'cancelled' && who !== null && f.cancelledAt !== null && f.sessionEndedAt !== null && f.cancelledAt.getTime() >= f.sessionEndedAt.getTime() - 1000;
}

/** What the rules say must have happened to this booking's money. */
export function expectation(f: BookingFacts, c: StoryConfig): Expectation {
  if (f.settleReason?.startsWith('admin_')) return { kind: 'admin', why: `settled by an admin by hand (${f.settleReason})` };
  if (f.confirmedAt === null) return { kind: 'full_refund', why: `never confirmed (${f.status})` };
  const startedBeforeCancel = f.cancelledAt !== null && f.sessionStartedAt !== null && f.sessionStartedAt.getTime() < f.cancelledAt.getTime();
  const earlyEndCancel = cancelledByEarlyEnd(f, c);
  if (!earlyEndCancel && f.status === 'cancelled' && f.cancelledAt && (f.cancelledAt.getTime() >= f.startsAt.getTime() || startedBeforeCancel)) {
    return { kind: 'contradiction', why: 'cancelled after the start or during the session' };
  }
  if (f.status === 'cancelled' && f.cancelledAt && !earlyEndCancel) {
    if (f.cancelledByRole !== 'student') return { kind: 'full_refund', why: `cancelled by the ${f.cancelledByRole}` };
    const sawConfirmed = f.cancelPreviousStatus ? f.cancelPreviousStatus === 'confirmed' : f.confirmedAt.getTime() <= f.cancelledAt.getTime();
    if (!sawConfirmed) return { kind: 'full_refund', why: `cancelled by the student from ${f.cancelPreviousStatus ?? 'before confirmation'}` };
    const lead = f.startsAt.getTime() - f.cancelledAt.getTime();
    return { kind: 'refund_share', bps: tierBps(lead, c), why: `cancelled by the student from confirmed ${Math.round(lead / 1000)} s ahead` };
  }
  // From here the session (or its absence) decides.
  const windowEnd = f.startsAt.getTime() + c.startLateMinutes * 60_000;
  const early = endedEarlyAlone(f, c);
  if (early === 'student') return { kind: 'refund_share', bps: tierBps(0, c), why: 'the student ended before the tutor joined, window open: a late cancellation' };
  if (early === 'tutor') return { kind: 'full_refund', why: 'the tutor ended before the student joined, window open: the tutor cancelled' };
  if (f.sessionStatus === null) {
    if (f.now.getTime() <= windowEnd) return { kind: 'undecided', why: 'start window still open' };
    return { kind: 'full_refund', why: 'nobody started the session (no-show of both)' };
  }
  if (f.sessionStatus !== 'ended') return { kind: 'undecided', why: 'session still active' };
  if (!joinedBy(f.tutorJoinedAt, f)) return { kind: 'full_refund', why: 'the tutor never joined' };
  if (!joinedBy(f.studentJoinedAt, f)) return { kind: 'pay_tutor', why: 'the student never joined' };
  return { kind: 'pay_tutor', why: 'both took part' };
}

const FINAL_ESCROW = ['released', 'refunded'];
const OPEN_ESCROW = ['held', 'release_scheduled', 'frozen'];

function escrowText(f: BookingFacts): string {
  if (f.escrowStatus === null) return 'no escrow';
  return `escrow ${f.escrowStatus} amount ${f.escrowAmount} refund ${f.escrowRefund} tutor ${f.escrowTutor} fee ${f.escrowFee}${f.settleReason ? ` (${f.settleReason})` : ''}`;
}

/** Every finding for one booking. */
export function judge(f: BookingFacts, c: StoryConfig): Finding[] {
  const out: Finding[] = [];
  const add = (check: string, detail: string) => out.push({ check, bookingId: f.bookingId, detail });
  const e = expectation(f, c);
  const money = escrowText(f);
  const overdue = (at: number) => f.now.getTime() - at > c.overdueMs;
  const amount = f.escrowAmount ?? 0;
  const settled = f.escrowStatus !== null && FINAL_ESCROW.includes(f.escrowStatus);
  const is = (s: { refund: number; tutor: number; fee: number }) =>
    settled && f.escrowRefund === s.refund && f.escrowTutor === s.tutor && f.escrowFee === s.fee;

  // --- the money outcome the rules call for
  switch (e.kind) {
    case 'full_refund':
      if (f.escrowStatus !== null && !is({ refund: amount, tutor: 0, fee: 0 })) {
        if (f.escrowStatus === 'held' || f.escrowStatus === 'release_scheduled') {
          const finalStatus = ['cancelled', 'expired', 'declined', 'no_show'].includes(f.status);
          if (finalStatus || overdue(f.startsAt.getTime() + c.startLateMinutes * 60_000)) add(CHECKS.liveness, `${e.why}: the escrow is still ${f.escrowStatus}, never refunded`);
        } else add(CHECKS.charged, `${e.why}, so a full refund; but ${money}`);
      }
      break;
    case 'refund_share': {
      const want = splitOf(amount, e.bps, c.feeBps);
      if (f.escrowStatus === null) {
        if (f.capturedMinor > 0) add(CHECKS.cancelTier, `${e.why}: paid ${f.capturedMinor} but there is no escrow`);
      } else if (!is(want)) add(e.why.startsWith('cancelled') ? CHECKS.cancelTier : CHECKS.charged, `${e.why}: refund ${e.bps} bps = ${JSON.stringify(want)}; but ${money}`);
      break;
    }
    case 'pay_tutor': {
      if (f.escrowStatus === null) {
        if (f.capturedMinor > 0) add(CHECKS.payTutor, `${e.why}: paid ${f.capturedMinor} but no escrow`);
        break;
      }
      const release = splitOf(amount, 0, c.feeBps);
      if (f.disputeStatus === 'open') {
        if (f.escrowStatus !== 'frozen') add(CHECKS.dispute, `the dispute is open but ${money}`);
      } else if (f.disputeStatus === 'resolved') {
        const bps = f.disputeOutcome === 'release' ? 0 : f.disputeOutcome === 'refund' ? 10000 : (f.disputeRefundBps ?? -1);
        if (bps < 0 || !is(splitOf(amount, bps, c.feeBps))) {
          add(CHECKS.dispute, `bookings resolved the dispute as ${f.disputeOutcome}${f.disputeOutcome === 'split' ? ` ${f.disputeRefundBps} bps` : ''}; but ${money}`);
        }
      } else if (f.escrowStatus === 'release_scheduled' || f.escrowStatus === 'held') {
        const due = f.escrowStatus === 'held' ? (f.sessionEndedAt?.getTime() ?? f.startsAt.getTime()) : (f.releaseAt?.getTime() ?? 0);
        if (overdue(due)) add(CHECKS.liveness, `${e.why}: release overdue, ${money} (release at ${f.releaseAt?.toISOString() ?? '—'})`);
      } else if (!is(release)) add(CHECKS.payTutor, `${e.why}, no dispute, so released ${JSON.stringify(release)}; but ${money}`);
      break;
    }
    case 'undecided':
      if (f.escrowStatus !== null && f.escrowStatus !== 'held') add(CHECKS.undecided, `${e.why}; but ${money}`);
      break;
    case 'admin':
    case 'contradiction':
      break;
  }
  if (f.escrowStatus === 'frozen' && f.disputeStatus !== 'open') add(CHECKS.dispute, `the escrow is frozen but the dispute is ${f.disputeStatus ?? 'absent'}`);

  // --- bookings' money view is what payments did
  const wantRefunded = settled ? (f.escrowRefund ?? 0) : 0;
  const wantReleased = settled ? (f.escrowTutor ?? 0) + (f.escrowFee ?? 0) : 0;
  const wantStatus =
    f.escrowStatus === null
      ? 'unpaid'
      : OPEN_ESCROW.includes(f.escrowStatus)
        ? f.escrowStatus
        : wantRefunded > 0 && wantReleased > 0
          ? 'partially_refunded'
          : wantReleased > 0
            ? 'released'
            : 'refunded';
  if (f.refundedMinor !== wantRefunded || f.releasedMinor !== wantReleased || f.moneyStatus !== wantStatus) {
    add(CHECKS.bookingsMoney, `bookings says ${f.moneyStatus} refunded ${f.refundedMinor} released ${f.releasedMinor}; payments: ${money}`);
  }

  // --- conservation and once-only
  if (settled && (f.escrowRefund ?? 0) + (f.escrowTutor ?? 0) + (f.escrowFee ?? 0) !== amount) add(CHECKS.conservation, `split does not add up: ${money}`);
  if (f.capturedMinor !== amount + f.refundedOnArrivalMinor) {
    add(CHECKS.conservation, `captured ${f.capturedMinor} ≠ escrow ${amount} + refunded on arrival ${f.refundedOnArrivalMinor}`);
  }
  if (f.escrowStatus !== null && f.escrowAmount !== f.priceMinor) add(CHECKS.conservation, `escrow holds ${f.escrowAmount}, the price is ${f.priceMinor}`);
  if (f.settlements > 1 || f.maxCapturesPerPayment > 1 || (settled && f.settlements !== 1)) {
    add(CHECKS.once, `${f.settlements} settlements, up to ${f.maxCapturesPerPayment} captures of one payment; ${money}`);
  }

  // --- bookings and sessions tell the same story
  const earlyEndCancel = cancelledByEarlyEnd(f, c);
  if (!earlyEndCancel && f.status === 'cancelled' && f.cancelledAt && f.cancelledAt.getTime() >= f.startsAt.getTime()) {
    add(CHECKS.cancelAfterStart, `cancelled by the ${f.cancelledByRole} ${Math.round((f.cancelledAt.getTime() - f.startsAt.getTime()) / 1000)} s after startsAt`);
  }
  if (!earlyEndCancel && f.status === 'cancelled' && f.cancelledAt && f.sessionStartedAt && f.sessionStartedAt.getTime() < f.cancelledAt.getTime()) {
    add(CHECKS.cancelledLesson, `cancelled by the ${f.cancelledByRole} at ${f.cancelledAt.toISOString()}, but sessions started the session at ${f.sessionStartedAt.toISOString()}`);
  }
  const bothJoined = f.sessionStatus === 'ended' && joinedBy(f.tutorJoinedAt, f) && joinedBy(f.studentJoinedAt, f);
  if ((f.status === 'completed' || f.status === 'disputed') && !bothJoined) {
    add(CHECKS.sessionAgreement, `bookings says ${f.status}, but the session is ${f.sessionStatus ?? 'absent'} (tutor joined ${!!f.tutorJoinedAt}, student joined ${!!f.studentJoinedAt})`);
  }
  if (bothJoined && !['completed', 'disputed', 'cancelled'].includes(f.status)) {
    add(CHECKS.sessionAgreement, `both took part in the session, but bookings says ${f.status}${f.absentParty ? ` (absent: ${f.absentParty})` : ''}`);
  }
  if (f.status === 'no_show') {
    const tutorJoined = joinedBy(f.tutorJoinedAt, f);
    const studentJoined = joinedBy(f.studentJoinedAt, f);
    const actual = f.sessionStatus === null || (!tutorJoined && !studentJoined) ? 'both' : !tutorJoined ? 'tutor' : !studentJoined ? 'student' : 'nobody';
    if (actual !== f.absentParty) add(CHECKS.sessionAgreement, `bookings says no-show of ${f.absentParty}; sessions says absent: ${actual}`);
  }
  if (f.status === 'in_progress' && f.sessionStatus === 'ended' && f.sessionEndedAt && overdue(f.sessionEndedAt.getTime())) {
    add(CHECKS.liveness, `the session ended at ${f.sessionEndedAt.toISOString()} but bookings still says in_progress`);
  }

  // --- nothing overdue left undone
  if ((f.status === 'requested' || f.status === 'accepted') && overdue(f.startsAt.getTime())) add(CHECKS.liveness, `still ${f.status} after startsAt: never expired`);
  if (f.status === 'confirmed' && f.sessionStatus === null && overdue(f.startsAt.getTime() + c.startLateMinutes * 60_000)) {
    add(CHECKS.liveness, 'confirmed, nobody started, window closed: never marked no-show');
  }
  return out;
}
