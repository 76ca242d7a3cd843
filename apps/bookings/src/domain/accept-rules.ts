import type { BookingStatus } from './booking-status';
import { DomainError } from './domain-error';

/**
 * A requested booking may be accepted until its accept deadline, inclusive. The deadline is the
 * one stored with the booking at request time (as the expiry job uses), never recomputed from
 * today's configuration. Other statuses are left to the state machine (`booking.invalid_transition`).
 */
export function assertAcceptDeadline(booking: { status: BookingStatus; acceptDeadline: Date }, now: Date): void {
  if (booking.status === 'requested' && now.getTime() > booking.acceptDeadline.getTime()) {
    throw new DomainError('booking.accept_deadline_passed', 'The request can no longer be accepted.', 409, {
      acceptDeadline: booking.acceptDeadline.toISOString(),
    });
  }
}
