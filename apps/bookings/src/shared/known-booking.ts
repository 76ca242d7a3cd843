import type { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { BookingRecord, BookingStore } from '../stores/booking.store';

/**
 * The booking an event is about, locked. An event about a booking we never had is acked and
 * logged: redelivering it would not help. Shared by the escrow and session event use cases.
 */
export async function lockKnownBooking(store: BookingStore, logger: Logger, em: EntityManager, bookingId: string, type: string): Promise<BookingRecord | null> {
  const booking = await store.lock(em, bookingId);
  if (!booking) logger.warn(`${type} for unknown booking ${bookingId}; ignored`);
  return booking;
}
