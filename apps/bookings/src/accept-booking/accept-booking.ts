import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, Booking } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { assertAcceptDeadline } from '../domain/accept-rules';
import { BookingStore, parties, slot } from '../stores/booking.store';

/**
 * The tutor accepts a request by its accept deadline (domain/accept-rules.ts). One transaction
 * that locks the booking row first, so a concurrent decline, cancel or expiry is applied before
 * or after it and the second one is a 409 `booking.invalid_transition`.
 */
@Injectable()
export class AcceptBooking {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
  ) {}

  async accept(tutor: Actor, bookingId: string): Promise<Booking> {
    return this.ds.transaction(async (em) => {
      const booking = await this.store.lockOwnTutorBooking(em, tutor, bookingId);
      const now = this.clock.now();
      assertAcceptDeadline(booking, now);
      const accepted = await this.store.transition(em, booking, 'accept', { acceptedAt: now });
      await this.outbox.add(em, 'bookings.booking.accepted.v1', {
        ...parties(accepted),
        ...slot(accepted),
        price: { amountMinor: accepted.priceMinor, currency: accepted.currency },
        slotSequence: accepted.slotSequence,
      });
      return this.store.viewInTransaction(em, bookingId);
    });
  }
}
