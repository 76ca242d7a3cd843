import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Booking } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { RequestBooking } from './request-booking';

@Injectable()
export class RequestBookingRpc {
  constructor(private readonly requestBooking: RequestBooking) {}

  /** A student requests a lesson (rules in request-booking.ts). */
  @OnRpc(bookingsRpc.create)
  async create({ actor: student, data: input }: RpcContext<typeof bookingsRpc.create>): Promise<Booking> {
    return this.requestBooking.request(student, input);
  }
}
