import type { DataSource, EntityManager } from 'typeorm';
import type { Currency } from '../domain/money';
import { one } from '../shared/db';

/** payments.bookings: payments' read model of bookings (filled by read-model/ and the escrow events). */
export interface BookingRow {
  booking_id: string;
  student_id: string;
  tutor_id: string;
  price_minor: string | null;
  currency: Currency | null;
  starts_at: Date | null;
  ends_at: Date | null;
  status: 'accepted' | 'cancelled' | 'expired' | 'declined' | 'no_show';
  refund_bps: number | null;
}

export type BookingTerminalStatus = 'cancelled' | 'expired' | 'declined' | 'no_show';

export function lockBooking(em: EntityManager, bookingId: string): Promise<BookingRow | undefined> {
  return one<BookingRow>(em, `SELECT * FROM payments.bookings WHERE booking_id = $1 FOR UPDATE`, [bookingId]);
}

/** Locks the booking row if we know the booking (lock order: booking, then escrow). */
export async function lockBookingIfKnown(em: EntityManager, bookingId: string): Promise<void> {
  await em.query(`SELECT 1 FROM payments.bookings WHERE booking_id = $1 FOR UPDATE`, [bookingId]);
}

export async function bookingStartsAt(em: EntityManager, bookingId: string): Promise<{ starts_at: Date | null } | undefined> {
  const found: Array<{ starts_at: Date | null }> = await em.query(`SELECT starts_at FROM payments.bookings WHERE booking_id = $1`, [bookingId]);
  return found[0];
}

export function bookingParties(db: DataSource | EntityManager, bookingId: string): Promise<{ student_id: string; tutor_id: string } | undefined> {
  return one<{ student_id: string; tutor_id: string }>(db, `SELECT student_id, tutor_id FROM payments.bookings WHERE booking_id = $1`, [bookingId]);
}

/** Known once `booking.accepted` (which carries the price) was handled. */
export function findPricedBooking(db: DataSource | EntityManager, bookingId: string): Promise<{ booking_id: string } | undefined> {
  return one<{ booking_id: string }>(db, `SELECT booking_id FROM payments.bookings WHERE booking_id = $1 AND price_minor IS NOT NULL`, [bookingId]);
}

/** A terminal status that arrived first (reordering) wins; the price fills in, and the times unless a newer slot is known. */
export async function upsertAccepted(
  em: EntityManager,
  d: { bookingId: string; studentId: string; tutorId: string; priceMinor: number; currency: string; startsAt: string; endsAt: string; now: Date; slotSequence: number },
): Promise<void> {
  await em.query(
    `INSERT INTO payments.bookings AS b (booking_id, student_id, tutor_id, price_minor, currency, starts_at, ends_at, status, slot_sequence, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', $9, $8)
     ON CONFLICT (booking_id) DO UPDATE
        SET price_minor = EXCLUDED.price_minor, currency = EXCLUDED.currency,
            starts_at = CASE WHEN EXCLUDED.slot_sequence >= b.slot_sequence OR b.starts_at IS NULL THEN EXCLUDED.starts_at ELSE b.starts_at END,
            ends_at = CASE WHEN EXCLUDED.slot_sequence >= b.slot_sequence OR b.ends_at IS NULL THEN EXCLUDED.ends_at ELSE b.ends_at END,
            slot_sequence = GREATEST(b.slot_sequence, EXCLUDED.slot_sequence),
            updated_at = EXCLUDED.updated_at`,
    [d.bookingId, d.studentId, d.tutorId, d.priceMinor, d.currency, d.startsAt, d.endsAt, d.now, d.slotSequence],
  );
}

/** Only a newer slot moves the times of a booking we know. */
export async function moveKnownBooking(em: EntityManager, d: { bookingId: string; startsAt: string; endsAt: string; slotSequence: number; now: Date }): Promise<void> {
  await em.query(
    `UPDATE payments.bookings SET starts_at = $2, ends_at = $3, slot_sequence = $4, updated_at = $5
      WHERE booking_id = $1 AND slot_sequence < $4`,
    [d.bookingId, d.startsAt, d.endsAt, d.slotSequence, d.now],
  );
}

/** An accepted booking that moved: inserted if unknown, else its times follow a newer slot. */
export async function upsertMovedAccepted(
  em: EntityManager,
  d: { bookingId: string; studentId: string; tutorId: string; startsAt: string; endsAt: string; slotSequence: number; now: Date },
): Promise<void> {
  await em.query(
    `INSERT INTO payments.bookings AS b (booking_id, student_id, tutor_id, starts_at, ends_at, status, slot_sequence, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'accepted', $6, $7)
     ON CONFLICT (booking_id) DO UPDATE SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
       slot_sequence = EXCLUDED.slot_sequence, updated_at = EXCLUDED.updated_at
     WHERE b.slot_sequence < EXCLUDED.slot_sequence`,
    [d.bookingId, d.studentId, d.tutorId, d.startsAt, d.endsAt, d.slotSequence, d.now],
  );
}

/** Upserts the read model to a terminal status (first terminal status wins) and locks the row. */
export async function markBookingTerminal(
  em: EntityManager,
  d: { bookingId: string; studentId: string; tutorId: string },
  status: BookingTerminalStatus,
  refundBps: number | null,
  now: Date,
): Promise<BookingRow> {
  const [row] = (await em.query(
    `INSERT INTO payments.bookings (booking_id, student_id, tutor_id, status, refund_bps, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (booking_id) DO UPDATE
        SET status = CASE WHEN payments.bookings.status = 'accepted' THEN EXCLUDED.status ELSE payments.bookings.status END,
            refund_bps = COALESCE(payments.bookings.refund_bps, EXCLUDED.refund_bps),
            updated_at = EXCLUDED.updated_at
     RETURNING *`,
    [d.bookingId, d.studentId, d.tutorId, status, refundBps, now],
  )) as BookingRow[];
  return row;
}
