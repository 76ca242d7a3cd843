import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { bookingsRpc, type Booking, type Page } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { bookingNotFound, canSee } from '../shared/access';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { BookingStore } from '../stores/booking.store';

/** Reading bookings: a participant's list (an admin's: everyone's) and one booking. */
@Injectable()
export class ViewBookingsRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly store: BookingStore,
  ) {}

  /** The caller's bookings (an admin: everyone's), latest lesson first. */
  @OnRpc(bookingsRpc.list)
  async list({ actor: caller, data: input }: RpcContext<typeof bookingsRpc.list>): Promise<Page<Booking>> {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.store.list(this.ds.manager, {
      studentId: caller.role === 'student' ? caller.userId : undefined,
      tutorId: caller.role === 'tutor' ? caller.userId : undefined,
      status: input.status,
      after: decodeCursor(input.cursor),
      limit,
    });
    return toPage(rows, limit, (r) => ({ at: r.starts_at, id: r.id }), this.store.toBooking);
  }

  @OnRpc(bookingsRpc.get)
  async get({ actor: caller, data: { bookingId } }: RpcContext<typeof bookingsRpc.get>): Promise<Booking> {
    const booking = await this.store.view(this.ds.manager, bookingId);
    if (!booking || !canSee(caller, booking)) throw bookingNotFound();
    return booking;
  }
}
