import { BookingRules, DEFAULT_BOOKING_RULES } from './booking-rules';
import { BOOKING_STATUSES } from './booking-status';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const now = new Date('2026-03-01T09:00:00.000Z');
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

describe('BookingRules', () => {
  const rules = new BookingRules(); // 60 min notice, accept by start − 60 min, 180 days ahead

  describe('validateNewBooking', () => {
    it('returns the start and the end of the lesson', () => {
      const startsAt = at(3 * 60 * MIN);
      const times = rules.validateNewBooking({ startsAt, durationMinutes: 90, now });
      expect(times).toEqual({ startsAt, endsAt: at(3 * 60 * MIN + 90 * MIN) });
    });

    it('accepts exactly the minimum notice and refuses a millisecond less', () => {
      expect(rules.validateNewBooking({ startsAt: at(60 * MIN), durationMinutes: 60, now }).startsAt).toEqual(at(60 * MIN));
      expect(() => rules.validateNewBooking({ startsAt: at(60 * MIN - 1), durationMinutes: 60, now })).toThrow(
        expect.objectContaining({
          code: 'booking.too_soon',
          status: 422,
          details: { earliestStartsAt: at(60 * MIN).toISOString() },
        }),
      );
    });

    it('refuses a request that could no longer be accepted, whatever the minimum notice', () => {
      const lax = new BookingRules({ ...DEFAULT_BOOKING_RULES, minNoticeMinutes: 0, acceptDeadlineMinutes: 30 });
      expect(() => lax.validateNewBooking({ startsAt: at(29 * MIN), durationMinutes: 60, now })).toThrow(
        expect.objectContaining({ code: 'booking.too_soon' }),
      );
      expect(lax.validateNewBooking({ startsAt: at(30 * MIN), durationMinutes: 60, now }).startsAt).toEqual(at(30 * MIN));
    });

    it('allows booking for right now when both notice settings are 0', () => {
      const none = new BookingRules({ ...DEFAULT_BOOKING_RULES, minNoticeMinutes: 0, acceptDeadlineMinutes: 0 });
      expect(none.validateNewBooking({ startsAt: now, durationMinutes: 15, now }).startsAt).toEqual(now);
      expect(() => none.validateNewBooking({ startsAt: at(-1), durationMinutes: 15, now })).toThrow(
        expect.objectContaining({ code: 'booking.too_soon' }),
      );
    });

    it('accepts exactly 180 days ahead and refuses a millisecond more', () => {
      expect(rules.validateNewBooking({ startsAt: at(180 * DAY), durationMinutes: 60, now }).startsAt).toEqual(at(180 * DAY));
      expect(() => rules.validateNewBooking({ startsAt: at(180 * DAY + 1), durationMinutes: 60, now })).toThrow(
        expect.objectContaining({ code: 'booking.too_far_ahead', status: 422 }),
      );
    });

    it('refuses a bad duration', () => {
      expect(() => rules.validateNewBooking({ startsAt: at(DAY), durationMinutes: 50, now })).toThrow(
        expect.objectContaining({ code: 'booking.invalid_duration' }),
      );
    });

    it('refuses an invalid date', () => {
      expect(() => rules.validateNewBooking({ startsAt: new Date('nope'), durationMinutes: 60, now })).toThrow(
        expect.objectContaining({ code: 'booking.invalid_time', status: 400 }),
      );
    });

    it('does not hand back the caller’s Date objects', () => {
      const startsAt = at(DAY);
      const times = rules.validateNewBooking({ startsAt, durationMinutes: 60, now });
      startsAt.setTime(0);
      expect(times.startsAt).toEqual(at(DAY));
    });
  });

  it('refuses negative or non-finite configuration', () => {
    expect(() => new BookingRules({ ...DEFAULT_BOOKING_RULES, minNoticeMinutes: -1 })).toThrow(
      expect.objectContaining({ code: 'config.invalid' }),
    );
    expect(() => new BookingRules({ ...DEFAULT_BOOKING_RULES, maxAdvanceDays: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'config.invalid' }),
    );
  });

  it('sets the accept deadline before the start and the payment deadline at the start', () => {
    const startsAt = at(DAY);
    expect(rules.acceptDeadline(startsAt)).toEqual(at(DAY - 60 * MIN));
    expect(rules.paymentDeadline(startsAt)).toEqual(startsAt);
    const zero = new BookingRules({ ...DEFAULT_BOOKING_RULES, acceptDeadlineMinutes: 0 });
    expect(zero.acceptDeadline(startsAt)).toEqual(startsAt);
  });

  describe('expiry', () => {
    const startsAt = at(DAY);

    it('a request expires strictly after its accept deadline', () => {
      const request = { status: 'requested' as const, startsAt };
      expect(rules.isAcceptExpired(request, at(DAY - 60 * MIN))).toBe(false);
      expect(rules.isAcceptExpired(request, at(DAY - 60 * MIN + 1))).toBe(true);
    });

    it('an accepted booking expires strictly after its start if unpaid', () => {
      const accepted = { status: 'accepted' as const, startsAt };
      expect(rules.isPaymentExpired(accepted, startsAt)).toBe(false);
      expect(rules.isPaymentExpired(accepted, at(DAY + 1))).toBe(true);
    });

    it('only a requested booking can miss the accept deadline and only an accepted one the payment deadline', () => {
      const late = at(DAY + DAY);
      for (const status of BOOKING_STATUSES) {
        expect(rules.isAcceptExpired({ status, startsAt }, late)).toBe(status === 'requested');
        expect(rules.isPaymentExpired({ status, startsAt }, late)).toBe(status === 'accepted');
      }
    });
  });
});
