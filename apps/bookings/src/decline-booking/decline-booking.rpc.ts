import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Booking } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { DeclineBooking } from './decline-booking';

@Injectable()
export class DeclineBookingRpc {
  constructor(private readonly declineBooking: DeclineBooking) {}

  /** The booking's tutor declines the request; an empty reason is no reason. */
  @OnRpc(bookingsRpc.decline)
  async decline({ actor: tutor, data: input }: RpcContext<typeof bookingsRpc.decline>): Promise<Booking> {
    return this.declineBooking.decline(tutor, input.bookingId, input.reason ? input.reason : null);
  }
}
