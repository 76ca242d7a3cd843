import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { moveKnownBooking, upsertAccepted, upsertMovedAccepted } from '../stores/booking.store';

/**
 * Payments' read model of bookings (`payments.bookings`): parties, price and times. It runs in
 * the consumer's transaction with the inbox insert, so a redelivered event has no second effect.
 * Terminal statuses are written by the escrow use cases that react to them (refund-cancellation/,
 * settle-after-lesson/).
 */
@Injectable()
export class BookingsReadModelEvents {
  constructor(private readonly clock: Clock) {}

  @OnEvent('bookings.booking.accepted.v1')
  async onAccepted(d: EventDataOf<'bookings.booking.accepted.v1'>, { em }: EventContext) {
    // A terminal status that arrived first (reordering) wins; the price fills in, and the times
    // unless a reschedule we already applied is newer (slot_sequence).
    await upsertAccepted(em, {
      bookingId: d.bookingId,
      studentId: d.studentId,
      tutorId: d.tutorId,
      priceMinor: d.price.amountMinor,
      currency: d.price.currency,
      startsAt: d.startsAt,
      endsAt: d.endsAt,
      now: this.clock.now(),
      slotSequence: d.slotSequence ?? 0,
    });
  }

  /**
   * The lesson moved (issue 16). Reschedule never moves money: only the read model's times follow
   * (the payment window closes at the new start), and only for a newer slot. A booking we have
   * not heard was accepted yet starts here if it was accepted when it moved; its `accepted`, when
   * it comes, brings the price and keeps this newer slot.
   */
  @OnEvent('bookings.booking.rescheduled.v1')
  async onRescheduled(d: EventDataOf<'bookings.booking.rescheduled.v1'>, { em }: EventContext) {
    const move = { bookingId: d.bookingId, startsAt: d.startsAt, endsAt: d.endsAt, slotSequence: d.slotSequence, now: this.clock.now() };
    if (d.status === 'requested') {
      await moveKnownBooking(em, move);
      return;
    }
    await upsertMovedAccepted(em, { ...move, studentId: d.studentId, tutorId: d.tutorId });
  }
}
