import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, Booking } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { canTransition } from '../domain/booking-status';
import { bookingNotFound, canSee } from '../shared/access';
import { BookingPolicies } from '../shared/booking-policies';
import { BookingStore, parties, startWindow } from '../stores/booking.store';

/**
 * Either participant or an admin cancels a booking that has not started. The refund share is
 * not decided here: `BookingPolicies.refundBasisPoints` quotes it with the shared policy function
 * (`cancellationRefundBps`, libs/platform/src/cancellation-policy.ts; student: by notice; tutor,
 * admin: everything), and the quote and the facts travel in `booking.cancelled`. Payments
 * decides the refund from those facts with the same function (ADR 0006), refunds that share of
 * a held escrow and releases the rest.
 *
 * One transaction that locks the booking row first, so a concurrent change (accept, the expiry
 * job, a double click) is applied before or after it; the second one meets the first one's
 * status and is a 409 `booking.invalid_transition`.
 */
@Injectable()
export class CancelBooking {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
    private readonly policies: BookingPolicies,
  ) {}

  async cancel(caller: Actor, bookingId: string, reason: string | null): Promise<Booking> {
    return this.ds.transaction(async (em) => {
      const booking = await this.store.lock(em, bookingId);
      if (!booking || !canSee(caller, booking)) throw bookingNotFound();
      const now = this.clock.now();
      // docs/design.md §3: once the lesson has started, the session (or its absence) decides the money.
      // Cancelling closes a little earlier, when the session's start window opens (ADR 0006):
      // from then on a session may already be running while its `session.started` is on its way
      // to us, and a cancellation must never race a lesson that is taking place.
      const { canStartFrom } = startWindow(booking.startsAt, this.store.window);
      if (now.getTime() >= canStartFrom.getTime() && canTransition(booking.status, 'cancel')) {
        throw new AppError(409, 'booking.cancel_window_closed', 'The lesson’s session can start now, so the booking can no longer be cancelled.', {
          startsAt: booking.startsAt.toISOString(),
          canStartFrom: canStartFrom.toISOString(),
          status: booking.status,
        });
      }
      // A quote for the client: payments decides the money from the same facts (the status the
      // student saw, the time, who cancelled), whatever its own copy of the booking says.
      const refundBps = this.policies.refundBasisPoints({
        cancelledBy: caller.role,
        previousStatus: booking.status,
        startsAt: booking.startsAt,
        cancelledAt: now,
      });
      const cancelled = await this.store.transition(em, booking, 'cancel', {
        cancelledAt: now,
        cancelledBy: caller.userId,
        cancelledByRole: caller.role,
        cancelReason: reason,
        refundBps,
      });
      await this.outbox.add(em, 'bookings.booking.cancelled.v1', {
        ...parties(cancelled),
        cancelledBy: caller.userId,
        cancelledByRole: caller.role,
        reason,
        refundBasisPoints: refundBps,
        previousStatus: booking.status,
        startsAt: booking.startsAt.toISOString(),
        cancelledAt: now.toISOString(),
        via: 'request',
      });
      return this.store.viewInTransaction(em, bookingId);
    });
  }
}
