import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { bookingsRpc, type Actor, type Booking } from '@tutorhub/contracts';
import { OnRpc, OutboxService, type RpcContext } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { bookingNotFound, canSee, requireRole } from '../shared/access';
import { canTransition } from '../domain/booking-status';
import { BookingPolicies } from '../shared/booking-policies';
import { BookingStore, parties, slot, startWindow, type BookingRecord } from '../stores/booking.store';

/**
 * The tutor's answer to a request, and cancellation by either party or an admin. Each runs in
 * one transaction that locks the booking row first, so two concurrent changes (accept vs
 * cancel, accept vs the expiry job, a double click) are applied one after the other and the
 * second one meets the first one's status: it is then a 409 `booking.invalid_transition`.
 */
@Injectable()
export class BookingChangesRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
    private readonly policies: BookingPolicies,
  ) {}

  @OnRpc(bookingsRpc.accept)
  async accept({ actor, data: { bookingId } }: RpcContext<typeof bookingsRpc.accept>): Promise<Booking> {
    const tutor = requireRole(actor, 'tutor');
    return this.ds.transaction(async (em) => {
      const booking = await this.lockOwnTutorBooking(em, tutor, bookingId);
      const now = this.clock.now();
      // The deadline stored with the booking (fixed at request time, like the expiry job uses), inclusive.
      if (booking.status === 'requested' && now.getTime() > booking.acceptDeadline.getTime()) {
        throw new AppError(409, 'booking.accept_deadline_passed', 'The request can no longer be accepted.', {
          acceptDeadline: booking.acceptDeadline.toISOString(),
        });
      }
      const accepted = await this.store.transition(em, booking, 'accept', { acceptedAt: now });
      await this.outbox.add(em, 'bookings.booking.accepted.v1', {
        ...parties(accepted),
        ...slot(accepted),
        price: { amountMinor: accepted.priceMinor, currency: accepted.currency },
        slotSequence: accepted.slotSequence,
      });
      return this.view(em, bookingId);
    });
  }

  @OnRpc(bookingsRpc.decline)
  async decline({ actor, data: input }: RpcContext<typeof bookingsRpc.decline>): Promise<Booking> {
    const tutor = requireRole(actor, 'tutor');
    const reason = input.reason ? input.reason : null;
    return this.ds.transaction(async (em) => {
      const booking = await this.lockOwnTutorBooking(em, tutor, input.bookingId);
      const declined = await this.store.transition(em, booking, 'decline', { declinedAt: this.clock.now(), declineReason: reason });
      await this.outbox.add(em, 'bookings.booking.declined.v1', { ...parties(declined), reason });
      return this.view(em, input.bookingId);
    });
  }

  /**
   * Either participant or an admin cancels a booking that has not started. The refund share
   * follows the cancellation policy (student: by notice; tutor, admin: everything) and travels in
   * the event so that payments refunds that share of a held escrow and releases the rest.
   */
  @OnRpc(bookingsRpc.cancel)
  async cancel({ actor, data: input }: RpcContext<typeof bookingsRpc.cancel>): Promise<Booking> {
    const caller = requireRole(actor, ['student', 'tutor', 'admin']);
    const reason = input.reason ? input.reason : null;
    return this.ds.transaction(async (em) => {
      const booking = await this.store.lock(em, input.bookingId);
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
      return this.view(em, input.bookingId);
    });
  }

  /** A tutor acting on another tutor's booking sees a 404, as for any booking they may not see. */
  private async lockOwnTutorBooking(em: EntityManager, tutor: Actor, bookingId: string): Promise<BookingRecord> {
    const booking = await this.store.lock(em, bookingId);
    if (!booking || booking.tutorId !== tutor.userId) throw bookingNotFound();
    return booking;
  }

  private async view(em: EntityManager, bookingId: string): Promise<Booking> {
    const booking = await this.store.view(em, bookingId);
    if (!booking) throw new Error(`booking ${bookingId} vanished inside its own transaction`);
    return booking;
  }
}
