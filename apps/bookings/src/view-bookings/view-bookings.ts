import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, Booking, ListBookingsInput, Page } from '@tutorhub/contracts';
import { bookingNotFound, canSee } from '../shared/access';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { BookingStore } from '../stores/booking.store';

/** Reading bookings: a participant's list (an admin's: everyone's) and one booking. */
@Injectable()
export class ViewBookings {
  constructor(
    private readonly ds: DataSource,
    private readonly store: BookingStore,
  ) {}

  /** The caller's bookings (an admin: everyone's), latest lesson first. */
  async list(caller: Actor, input: ListBookingsInput): Promise<Page<Booking>> {
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

  /** One booking, to its participants and admins; to anyone else it does not exist (404). */
  async get(caller: Actor, bookingId: string): Promise<Booking> {
    const booking = await this.store.view(this.ds.manager, bookingId);
    if (!booking || !canSee(caller, booking)) throw bookingNotFound();
    return booking;
  }
}
