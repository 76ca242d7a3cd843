import {
  allowedActions,
  BOOKING_ACTIONS,
  BOOKING_STATUSES,
  canTransition,
  isBookingStatus,
  isFinal,
  isLive,
  LIVE_STATUSES,
  transition,
  type BookingAction,
  type BookingStatus,
} from './booking-status';
import { DomainError } from './domain-error';

const ALLOWED: ReadonlyArray<[BookingStatus, BookingAction, BookingStatus]> = [
  ['requested', 'accept', 'accepted'],
  ['requested', 'decline', 'declined'],
  ['requested', 'expire', 'expired'],
  ['requested', 'cancel', 'cancelled'],
  ['accepted', 'confirm', 'confirmed'],
  ['accepted', 'expire', 'expired'],
  ['accepted', 'cancel', 'cancelled'],
  ['confirmed', 'start', 'in_progress'],
  ['confirmed', 'mark_no_show', 'no_show'],
  ['confirmed', 'cancel', 'cancelled'],
  ['in_progress', 'complete', 'completed'],
  ['in_progress', 'mark_no_show', 'no_show'],
  ['completed', 'open_dispute', 'disputed'],
  ['disputed', 'resolve_dispute', 'completed'],
  ['disputed', 'close_dispute', 'completed'],
  ['disputed', 'restore_no_show', 'no_show'],
  ['no_show', 'open_dispute', 'disputed'],
  ['confirmed', 'abandon', 'cancelled'],
  ['in_progress', 'abandon', 'cancelled'],
];

describe('booking status machine', () => {
  it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toBe(to);
    expect(canTransition(from, action)).toBe(true);
  });

  it('refuses every other pair with booking.invalid_transition (409) and the pair in details', () => {
    let refused = 0;
    for (const from of BOOKING_STATUSES) {
      for (const action of BOOKING_ACTIONS) {
        if (ALLOWED.some(([f, a]) => f === from && a === action)) continue;
        refused += 1;
        expect(canTransition(from, action)).toBe(false);
        let error: unknown;
        try {
          transition(from, action);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(DomainError);
        expect(error).toMatchObject({ code: 'booking.invalid_transition', status: 409, details: { from, action } });
      }
    }
    expect(refused).toBe(BOOKING_STATUSES.length * BOOKING_ACTIONS.length - ALLOWED.length);
  });

  it('does not treat inherited object keys as statuses or actions', () => {
    expect(() => transition('requested', 'constructor' as BookingAction)).toThrow(DomainError);
    expect(() => transition('__proto__' as BookingStatus, 'accept')).toThrow(DomainError);
    expect(canTransition('toString' as BookingStatus, 'toString' as BookingAction)).toBe(false);
  });

  it('cannot cancel once the session has started', () => {
    expect(canTransition('in_progress', 'cancel')).toBe(false);
    expect(canTransition('completed', 'cancel')).toBe(false);
  });

  it('lists the allowed actions of a status', () => {
    expect(allowedActions('confirmed')).toEqual(['cancel', 'abandon', 'start', 'mark_no_show']);
    expect(allowedActions('cancelled')).toEqual([]);
  });

  it('live statuses are exactly the ones holding the tutor’s time', () => {
    expect(BOOKING_STATUSES.filter(isLive)).toEqual(['requested', 'accepted', 'confirmed', 'in_progress']);
    expect([...LIVE_STATUSES]).toEqual(BOOKING_STATUSES.filter(isLive));
  });

  it('final statuses have no way out; completed stays open to a dispute', () => {
    // A no-show that paid the tutor may still be disputed, like a completed lesson.
    expect(BOOKING_STATUSES.filter(isFinal)).toEqual(['declined', 'expired', 'cancelled']);
    expect(isFinal('completed')).toBe(false);
    expect(isFinal('disputed')).toBe(false);
  });

  it('recognises status strings', () => {
    expect(isBookingStatus('no_show')).toBe(true);
    expect(isBookingStatus('paid')).toBe(false);
    expect(isBookingStatus(3)).toBe(false);
  });
});
