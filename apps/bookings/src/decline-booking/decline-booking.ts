import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, Booking } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { BookingStore, parties } from '../stores/booking.store';

/** The tutor declines a request: under the row lock, like accept (a race is a 409 `booking.invalid_transition`). */
@Injectable()
export class DeclineBooking {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
  ) {}

  async decline(tutor: Actor, bookingId: string, reason: string | null): Promise<Booking> {
    return this.ds.transaction(async (em) => {
      const booking = await this.store.lockOwnTutorBooking(em, tutor, bookingId);
      const declined = await this.store.transition(em, booking, 'decline', { declinedAt: this.clock.now(), declineReason: reason });
      await this.outbox.add(em, 'bookings.booking.declined.v1', { ...parties(declined), reason });
      return this.store.viewInTransaction(em, bookingId);
    });
  }
}
