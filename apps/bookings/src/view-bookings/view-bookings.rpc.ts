import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Booking, type Page } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { ViewBookings } from './view-bookings';

/** Reading bookings: a participant's list (an admin's: everyone's) and one booking (view-bookings.ts). */
@Injectable()
export class ViewBookingsRpc {
  constructor(private readonly viewBookings: ViewBookings) {}

  @OnRpc(bookingsRpc.list)
  async list({ actor: caller, data: input }: RpcContext<typeof bookingsRpc.list>): Promise<Page<Booking>> {
    return this.viewBookings.list(caller, input);
  }

  @OnRpc(bookingsRpc.get)
  async get({ actor: caller, data: { bookingId } }: RpcContext<typeof bookingsRpc.get>): Promise<Booking> {
    return this.viewBookings.get(caller, bookingId);
  }
}
