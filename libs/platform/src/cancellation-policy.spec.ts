import fc from 'fast-check';
import { CANCELLERS, DEFAULT_CANCELLATION_POLICY, refundBasisPoints, type CancelledBy } from './cancellation-policy';

const HOUR = 3_600_000;
const startsAt = new Date('2026-03-10T15:00:00.000Z');
const before = (ms: number) => new Date(startsAt.getTime() - ms);
const student = (now: Date) => refundBasisPoints({ cancelledBy: 'student', startsAt, now });

describe('refundBasisPoints', () => {
  it('gives the student everything back at 24 h or more before the start', () => {
    expect(student(before(72 * HOUR))).toBe(10000);
    expect(student(before(24 * HOUR))).toBe(10000);
  });

  it('gives half back from 2 h up to just under 24 h', () => {
    expect(student(before(24 * HOUR - 1))).toBe(5000);
    expect(student(before(5 * HOUR))).toBe(5000);
    expect(student(before(2 * HOUR))).toBe(5000);
  });

  it('gives nothing back under 2 h, and after the start', () => {
    expect(student(before(2 * HOUR - 1))).toBe(0);
    expect(student(startsAt)).toBe(0);
    expect(student(before(-10 * 60_000))).toBe(0);
  });

  it.each<CancelledBy>(['tutor', 'admin', 'system'])('refunds everything when the %s cancels, even at the last minute', (by) => {
    expect(refundBasisPoints({ cancelledBy: by, startsAt, now: before(60_000) })).toBe(10000);
  });

  it('takes thresholds and percentage from configuration', () => {
    const config = { fullRefundHours: 48, partialRefundHours: 12, partialRefundBps: 2500 };
    expect(refundBasisPoints({ cancelledBy: 'student', startsAt, now: before(48 * HOUR) }, config)).toBe(10000);
    expect(refundBasisPoints({ cancelledBy: 'student', startsAt, now: before(24 * HOUR) }, config)).toBe(2500);
    expect(refundBasisPoints({ cancelledBy: 'student', startsAt, now: before(12 * HOUR - 1) }, config)).toBe(0);
  });

  it('never refunds less to a student who cancels earlier', () => {
    fc.assert(
      fc.property(fc.integer({ min: -HOUR, max: 100 * HOUR }), fc.integer({ min: 0, max: 100 * HOUR }), (lead, extra) => {
        expect(student(before(lead + extra))).toBeGreaterThanOrEqual(student(before(lead)));
      }),
    );
  });

  it('refuses invalid configuration and callers', () => {
    const now = before(HOUR);
    expect(() =>
      refundBasisPoints({ cancelledBy: 'student', startsAt, now }, { ...DEFAULT_CANCELLATION_POLICY, partialRefundHours: 30 }),
    ).toThrow(expect.objectContaining({ code: 'config.invalid' }));
    expect(() =>
      refundBasisPoints({ cancelledBy: 'student', startsAt, now }, { ...DEFAULT_CANCELLATION_POLICY, partialRefundBps: 10001 }),
    ).toThrow(expect.objectContaining({ code: 'money.invalid_basis_points' }));
    expect(() => refundBasisPoints({ cancelledBy: 'parent' as CancelledBy, startsAt, now })).toThrow(
      expect.objectContaining({ code: 'booking.invalid_canceller' }),
    );
    expect(() => refundBasisPoints({ cancelledBy: 'student', startsAt: new Date(Number.NaN), now })).toThrow(
      expect.objectContaining({ code: 'booking.invalid_time' }),
    );
    expect(CANCELLERS).toEqual(['student', 'tutor', 'admin', 'system']);
  });
});
