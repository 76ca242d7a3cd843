import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Booking } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AcceptBooking } from './accept-booking';

@Injectable()
export class AcceptBookingRpc {
  constructor(private readonly acceptBooking: AcceptBooking) {}

  /** The booking's tutor accepts the request (rules in accept-booking.ts). */
  @OnRpc(bookingsRpc.accept)
  async accept({ actor: tutor, data: { bookingId } }: RpcContext<typeof bookingsRpc.accept>): Promise<Booking> {
    return this.acceptBooking.accept(tutor, bookingId);
  }
}
