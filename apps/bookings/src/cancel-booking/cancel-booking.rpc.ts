import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Booking } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { CancelBooking } from './cancel-booking';

@Injectable()
export class CancelBookingRpc {
  constructor(private readonly cancelBooking: CancelBooking) {}

  /** Either participant or an admin (who may see the booking: checked in the use case, under the row lock). */
  @OnRpc(bookingsRpc.cancel)
  async cancel({ actor: caller, data: input }: RpcContext<typeof bookingsRpc.cancel>): Promise<Booking> {
    return this.cancelBooking.cancel(caller, input.bookingId, input.reason ? input.reason : null);
  }
}
