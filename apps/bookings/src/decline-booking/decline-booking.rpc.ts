import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { bookingsRpc, type Booking } from '@tutorhub/contracts';
import { OnRpc, OutboxService, type RpcContext } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { BookingStore, parties } from '../stores/booking.store';

/** The tutor declines a request: under the row lock, like accept (a race is a 409 `booking.invalid_transition`). */
@Injectable()
export class DeclineBookingRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
  ) {}

  @OnRpc(bookingsRpc.decline)
  async decline({ actor: tutor, data: input }: RpcContext<typeof bookingsRpc.decline>): Promise<Booking> {
    const reason = input.reason ? input.reason : null;
    return this.ds.transaction(async (em) => {
      const booking = await this.store.lockOwnTutorBooking(em, tutor, input.bookingId);
      const declined = await this.store.transition(em, booking, 'decline', { declinedAt: this.clock.now(), declineReason: reason });
      await this.outbox.add(em, 'bookings.booking.declined.v1', { ...parties(declined), reason });
      return this.store.viewInTransaction(em, input.bookingId);
    });
  }
}
