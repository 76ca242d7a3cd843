import { randomUUID } from 'node:crypto';
import { CHECKS, judge, splitOf, tierBps, type BookingFacts, type StoryConfig } from './support/chaos/story';

/**
 * The chaos run's story checks (support/chaos/story.ts) are only worth something if each of them
 * can fail: every story that holds passes, and a planted violation of every check is caught by
 * that check. Pure: no platform needed.
 */
const config: StoryConfig = { feeBps: 1500, fullRefundHours: 0.05, partialRefundHours: 0.025, partialRefundBps: 5000, startLateMinutes: 1, overdueMs: 20000 };
const T0 = Date.parse('2026-12-06T12:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const PRICE = 40000;
const release = splitOf(PRICE, 0, 1500);

function facts(o: Partial<BookingFacts> = {}): BookingFacts {
  const studentId = randomUUID();
  const tutorId = randomUUID();
  return {
    bookingId: randomUUID(),
    studentId,
    tutorId,
    status: 'completed',
    moneyStatus: 'released',
    refundedMinor: 0,
    releasedMinor: PRICE,
    priceMinor: PRICE,
    startsAt: at(0),
    endsAt: at(900),
    confirmedAt: at(-60),
    cancelledAt: null,
    cancelledByRole: null,
    bookingRefundBps: null,
    absentParty: null,
    cancelPreviousStatus: null,
    disputeStatus: null,
    disputeOutcome: null,
    disputeRefundBps: null,
    escrowStatus: 'released',
    escrowAmount: PRICE,
    escrowRefund: release.refund,
    escrowTutor: release.tutor,
    escrowFee: release.fee,
    settleReason: 'release_due',
    releaseAt: at(40),
    settlements: 1,
    capturedMinor: PRICE,
    maxCapturesPerPayment: 1,
    refundedOnArrivalMinor: 0,
    sessionStatus: 'ended',
    sessionStartedAt: at(-10),
    sessionEndedAt: at(30),
    sessionEndedBy: tutorId,
    tutorJoinedAt: at(-10),
    studentJoinedAt: at(-5),
    now: at(600),
    ...o,
  };
}

/** Same participants, different fields (ended_by must name one of them). */
function tweak(base: BookingFacts, o: (f: BookingFacts) => Partial<BookingFacts>): BookingFacts {
  return { ...base, ...o(base) };
}

const refunded = (refund = PRICE): Partial<BookingFacts> => {
  const released = PRICE - refund;
  const fee = Math.floor((released * 1500) / 10000);
  return {
    escrowStatus: refund > 0 ? 'refunded' : 'released',
    escrowRefund: refund,
    escrowTutor: released - fee,
    escrowFee: fee,
    moneyStatus: refund === PRICE ? 'refunded' : refund === 0 ? 'released' : 'partially_refunded',
    refundedMinor: refund,
    releasedMinor: released,
  };
};

const checks = (f: BookingFacts) => judge(f, config).map((x) => x.check);

describe('chaos story checks', () => {
  describe('stories that hold pass', () => {
    const good: Record<string, BookingFacts> = {
      'a completed lesson, released less the fee': facts(),
      'a completed lesson disputed and split': facts({ status: 'completed', disputeStatus: 'resolved', disputeOutcome: 'split', disputeRefundBps: 2500, ...refunded(10000) }),
      'a dispute still open over a frozen escrow': facts({ status: 'disputed', disputeStatus: 'open', escrowStatus: 'frozen', escrowRefund: null, escrowTutor: null, escrowFee: null, moneyStatus: 'frozen', refundedMinor: 0, releasedMinor: 0, settlements: 0 }),
      'never paid, expired': facts({ status: 'expired', confirmedAt: null, escrowStatus: null, escrowAmount: null, escrowRefund: null, escrowTutor: null, escrowFee: null, moneyStatus: 'unpaid', refundedMinor: 0, releasedMinor: 0, settlements: 0, capturedMinor: 0, sessionStatus: null }),
      'paid after it expired: refunded in full': facts({ status: 'expired', confirmedAt: null, sessionStatus: null, ...refunded() }),
      'cancelled by the student right after paying, before confirmation: full refund': facts({ status: 'cancelled', confirmedAt: null, cancelledAt: at(-50), cancelledByRole: 'student', cancelPreviousStatus: 'accepted', sessionStatus: null, ...refunded() }),
      'cancelled by the student from confirmed 100 s ahead: 50 %': facts({ status: 'cancelled', cancelledAt: at(-100), cancelledByRole: 'student', cancelPreviousStatus: 'confirmed', sessionStatus: null, ...refunded(PRICE / 2) }),
      'cancelled by the student from confirmed 30 s ahead: nothing back': facts({ status: 'cancelled', cancelledAt: at(-30), cancelledByRole: 'student', cancelPreviousStatus: 'confirmed', sessionStatus: null, ...refunded(0) }),
      'cancelled by the tutor: full refund': facts({ status: 'cancelled', cancelledAt: at(-30), cancelledByRole: 'tutor', cancelPreviousStatus: 'confirmed', sessionStatus: null, ...refunded() }),
      'nobody came: no-show of both, refunded': facts({ status: 'no_show', absentParty: 'both', sessionStatus: null, ...refunded() }),
      'the tutor never joined: refunded': facts({ status: 'no_show', absentParty: 'tutor', tutorJoinedAt: null, sessionEndedAt: at(70), ...refunded() }),
      'the student never joined: the tutor is paid': tweak(facts({ status: 'no_show', absentParty: 'student', studentJoinedAt: null, sessionEndedAt: at(70) }), (f) => ({ sessionEndedBy: f.tutorId })),
      'the tutor ended before the student joined, window open: refunded': tweak(facts({ status: 'cancelled', cancelledAt: at(20), studentJoinedAt: null, sessionEndedAt: at(20), ...refunded() }), (f) => ({ sessionEndedBy: f.tutorId, status: 'no_show', absentParty: 'student', cancelledAt: null })),
      'the tutor ended before the student joined, recorded by bookings as the tutor cancelling': tweak(
        facts({ status: 'cancelled', cancelledAt: at(21), cancelledByRole: 'tutor', cancelPreviousStatus: 'in_progress', studentJoinedAt: null, sessionEndedAt: at(20), ...refunded() }),
        (f) => ({ sessionEndedBy: f.tutorId }),
      ),
      'the student ended before the tutor joined, recorded as a late cancellation: the tutor is paid': tweak(
        facts({ status: 'cancelled', cancelledAt: at(21), cancelledByRole: 'student', cancelPreviousStatus: 'in_progress', tutorJoinedAt: null, sessionEndedAt: at(20), ...refunded(0) }),
        (f) => ({ sessionEndedBy: f.studentId }),
      ),
      'an admin refunded by hand': facts({ settleReason: 'admin_refund', ...refunded() }),
      'a lesson not decided yet: held': facts({ status: 'confirmed', startsAt: at(3600), sessionStatus: null, escrowStatus: 'held', escrowRefund: null, escrowTutor: null, escrowFee: null, moneyStatus: 'held', refundedMinor: 0, releasedMinor: 0, settlements: 0 }),
    };
    it.each(Object.entries(good))('%s', (_name, f) => {
      expect(judge(f, config)).toEqual([]);
    });
  });

  describe('each check catches its planted violation', () => {
    const planted: Array<[string, BookingFacts, string]> = [
      ['the student charged after the tutor ended before they joined (window open)', tweak(facts({ status: 'no_show', absentParty: 'student', studentJoinedAt: null, sessionEndedAt: at(20) }), (f) => ({ sessionEndedBy: f.tutorId })), CHECKS.charged],
      ['the student charged when the tutor never joined', facts({ status: 'no_show', absentParty: 'tutor', tutorJoinedAt: null, sessionEndedAt: at(70) }), CHECKS.charged],
      ['a cancel before confirmation was visible charged by the tier', facts({ status: 'cancelled', confirmedAt: at(-40), cancelledAt: at(-50), cancelledByRole: 'student', cancelPreviousStatus: 'accepted', sessionStatus: null, ...refunded(0) }), CHECKS.charged],
      ['a student cancel from confirmed refunded in full at the 0 % tier', facts({ status: 'cancelled', cancelledAt: at(-30), cancelledByRole: 'student', cancelPreviousStatus: 'confirmed', sessionStatus: null, ...refunded() }), CHECKS.cancelTier],
      ['a completed lesson refunded without a dispute', facts({ ...refunded() }), CHECKS.payTutor],
      ['a dispute resolved as refund while payments released', facts({ disputeStatus: 'resolved', disputeOutcome: 'refund' }), CHECKS.dispute],
      ['a dispute left open over a released escrow', facts({ status: 'disputed', disputeStatus: 'open', moneyStatus: 'released' }), CHECKS.dispute],
      ['an undecided lesson refunded', facts({ status: 'confirmed', startsAt: at(3600), sessionStatus: null, ...refunded() }), CHECKS.undecided],
      ['bookings shows a refund payments did not make', facts({ moneyStatus: 'refunded', refundedMinor: PRICE, releasedMinor: 0 }), CHECKS.bookingsMoney],
      ['money not conserved', facts({ escrowFee: release.fee + 1 }), CHECKS.conservation],
      ['a payment captured twice', facts({ maxCapturesPerPayment: 2, capturedMinor: PRICE * 2 }), CHECKS.once],
      ['an escrow settled twice', facts({ settlements: 2 }), CHECKS.once],
      ['a cancellation accepted after startsAt', facts({ status: 'cancelled', cancelledAt: at(5), cancelledByRole: 'student', cancelPreviousStatus: 'confirmed', sessionStatus: null, ...refunded() }), CHECKS.cancelAfterStart],
      ['a booking cancelled while its session was under way', facts({ status: 'cancelled', cancelledAt: at(-5), cancelledByRole: 'tutor', cancelPreviousStatus: 'confirmed', ...refunded() }), CHECKS.cancelledLesson],
      ['completed in bookings, but the tutor never joined in sessions', facts({ tutorJoinedAt: null, ...refunded() }), CHECKS.sessionAgreement],
      ['both attended, bookings says no-show', facts({ status: 'no_show', absentParty: 'student' }), CHECKS.sessionAgreement],
      ['an accepted booking never expired', facts({ status: 'accepted', confirmedAt: null, escrowStatus: null, escrowAmount: null, escrowRefund: null, escrowTutor: null, escrowFee: null, moneyStatus: 'unpaid', refundedMinor: 0, releasedMinor: 0, settlements: 0, capturedMinor: 0, sessionStatus: null }), CHECKS.liveness],
      ['a release long overdue', facts({ escrowStatus: 'release_scheduled', escrowRefund: null, escrowTutor: null, escrowFee: null, moneyStatus: 'release_scheduled', refundedMinor: 0, releasedMinor: 0, settlements: 0 }), CHECKS.liveness],
      ['money stuck in escrow for a cancelled booking', facts({ status: 'cancelled', cancelledAt: at(-50), cancelledByRole: 'tutor', startsAt: at(3600), sessionStatus: null, escrowStatus: 'held', escrowRefund: null, escrowTutor: null, escrowFee: null, moneyStatus: 'held', refundedMinor: 0, releasedMinor: 0, settlements: 0 }), CHECKS.liveness],
    ];
    it.each(planted)('%s', (_name, f, check) => {
      expect(checks(f)).toContain(check);
    });

    it('covers every check', () => {
      expect(new Set(planted.map(([, , c]) => c))).toEqual(new Set(Object.values(CHECKS)));
    });
  });

  it('computes the notice tiers and splits like the policy', () => {
    expect(tierBps(181_000, config)).toBe(10000);
    expect(tierBps(180_000, config)).toBe(10000);
    expect(tierBps(179_999, config)).toBe(5000);
    expect(tierBps(90_000, config)).toBe(5000);
    expect(tierBps(89_999, config)).toBe(0);
    expect(splitOf(101, 5000, 1500)).toEqual({ refund: 51, tutor: 43, fee: 7 });
    expect(splitOf(40000, 0, 1500)).toEqual({ refund: 0, tutor: 34000, fee: 6000 });
  });
});
