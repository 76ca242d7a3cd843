import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ReminderKind } from '../domain/reminders';

export type BookingClosure = 'declined' | 'cancelled' | 'expired' | 'no_show' | 'completed';

/** What a reminder row is made of (the booking's facts at the time it was scheduled). */
export interface ReminderInput {
  bookingId: string;
  userId: string;
  kind: ReminderKind;
  dueAt: Date;
  studentId: string;
  tutorId: string;
  subject: string;
  startsAt: string;
  endsAt: string;
  slotSequence: number;
}

export interface DueReminderRow {
  id: string;
  booking_id: string;
  user_id: string;
  kind: ReminderKind;
  student_id: string;
  tutor_id: string;
  subject: string;
  starts_at: Date;
  ends_at: Date;
}

const INSERT = `INSERT INTO notifications.reminders
             (id, booking_id, user_id, kind, due_at, student_id, tutor_id, subject, starts_at, ends_at, slot_sequence)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT ON CONSTRAINT reminders_booking_user_kind_uq`;

const values = (r: ReminderInput) => [
  randomUUID(), r.bookingId, r.userId, r.kind, r.dueAt, r.studentId, r.tutorId, r.subject, r.startsAt, r.endsAt, r.slotSequence,
];

/** `notifications.reminders` and `notifications.closed_bookings`. */
@Injectable()
export class ReminderStore {
  /**
   * One replica may handle a booking's confirmation while another handles its cancellation.
   * Serialising the two on the booking (until the transaction ends) means the second one always
   * sees what the first committed: no reminder survives a cancellation.
   */
  async lockBooking(em: EntityManager, bookingId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('notifications:booking'), hashtext($1))`, [bookingId]);
  }

  async isClosed(em: EntityManager, bookingId: string): Promise<boolean> {
    const closed: unknown[] = await em.query(`SELECT 1 FROM notifications.closed_bookings WHERE booking_id = $1`, [bookingId]);
    return closed.length > 0;
  }

  /** Whether it was new (an existing reminder of that booking, user and kind is left alone). */
  async insertIfAbsent(em: EntityManager, r: ReminderInput): Promise<boolean> {
    const rows: unknown[] = await em.query(`${INSERT} DO NOTHING
           RETURNING id`, values(r));
    return rows.length > 0;
  }

  /** Re-arms the reminder for the new time, even one already sent or cancelled. */
  async rearm(em: EntityManager, r: ReminderInput): Promise<void> {
    await em.query(
      `${INSERT} DO UPDATE
             SET due_at = EXCLUDED.due_at, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
                 slot_sequence = EXCLUDED.slot_sequence, status = 'scheduled', sent_at = NULL, cancel_reason = NULL, cancelled_at = NULL`,
      values(r),
    );
  }

  /** The newest slot the booking's reminders were made for; null if it has none. */
  async latestSlot(em: EntityManager, bookingId: string): Promise<number | null> {
    const [{ seq }]: Array<{ seq: number | null }> = await em.query(
      `SELECT max(slot_sequence) AS seq FROM notifications.reminders WHERE booking_id = $1`,
      [bookingId],
    );
    return seq;
  }

  /** Cancels the booking's scheduled reminders of any kind not in `keptKinds` (moved into the past). */
  async cancelRescheduledExcept(em: EntityManager, bookingId: string, keptKinds: ReminderKind[], now: Date, slotSequence: number): Promise<void> {
    await em.query(
      `UPDATE notifications.reminders SET status = 'cancelled', cancel_reason = 'booking_rescheduled', cancelled_at = $3, slot_sequence = $4
        WHERE booking_id = $1 AND status = 'scheduled' AND NOT (kind = ANY($2))`,
      [bookingId, keptKinds, now, slotSequence],
    );
  }

  /** Remembers the booking as closed and cancels what is still scheduled; how many were cancelled. */
  async closeBooking(em: EntityManager, bookingId: string, reason: BookingClosure, now: Date): Promise<number> {
    await em.query(
      `INSERT INTO notifications.closed_bookings (booking_id, reason, closed_at) VALUES ($1, $2, $3)
       ON CONFLICT (booking_id) DO NOTHING`,
      [bookingId, reason, now],
    );
    const cancelled: unknown[] = await em.query(
      `WITH cancelled AS (
         UPDATE notifications.reminders SET status = 'cancelled', cancel_reason = $2, cancelled_at = $3
          WHERE booking_id = $1 AND status = 'scheduled'
          RETURNING id
       ) SELECT id FROM cancelled`,
      [bookingId, `booking_${reason}`, now],
    );
    return cancelled.length;
  }

  /** Claims a batch of due reminders for the caller's transaction (FOR UPDATE SKIP LOCKED). */
  async claimDue(em: EntityManager, now: Date, limit: number): Promise<DueReminderRow[]> {
    return em.query(
      `SELECT id, booking_id, user_id, kind, student_id, tutor_id, subject, starts_at, ends_at
         FROM notifications.reminders
        WHERE status = 'scheduled' AND due_at <= $1
        ORDER BY due_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
  }

  async markStale(em: EntityManager, id: string, now: Date): Promise<void> {
    await em.query(
      `UPDATE notifications.reminders SET status = 'cancelled', cancel_reason = 'stale', cancelled_at = $2 WHERE id = $1`,
      [id, now],
    );
  }

  async markSent(em: EntityManager, id: string, now: Date): Promise<void> {
    await em.query(`UPDATE notifications.reminders SET status = 'sent', sent_at = $2 WHERE id = $1`, [id, now]);
  }
}
