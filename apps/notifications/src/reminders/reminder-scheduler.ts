import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { remindersFor } from '../domain/reminders';

export type BookingClosure = 'declined' | 'cancelled' | 'expired' | 'no_show' | 'completed';

/** Schedules and cancels lesson reminders as bookings are confirmed and end. */
@Injectable()
export class ReminderScheduler {
  constructor(private readonly clock: Clock) {}

  /** Both participants, 24 h and 15 min ahead; none for a time already past, none for a closed booking. */
  async scheduleFor(em: EntityManager, d: EventDataOf<'bookings.booking.confirmed.v1'>): Promise<number> {
    await lockBooking(em, d.bookingId);
    const closed: unknown[] = await em.query(`SELECT 1 FROM notifications.closed_bookings WHERE booking_id = $1`, [d.bookingId]);
    if (closed.length) return 0;
    let scheduled = 0;
    for (const reminder of remindersFor(new Date(d.startsAt), this.clock.now())) {
      for (const userId of [d.studentId, d.tutorId]) {
        const rows: unknown[] = await em.query(
          `INSERT INTO notifications.reminders
             (id, booking_id, user_id, kind, due_at, student_id, tutor_id, subject, starts_at, ends_at, slot_sequence)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT ON CONSTRAINT reminders_booking_user_kind_uq DO NOTHING
           RETURNING id`,
          [randomUUID(), d.bookingId, userId, reminder.kind, reminder.dueAt, d.studentId, d.tutorId, d.subject, d.startsAt, d.endsAt, d.slotSequence ?? 0],
        );
        scheduled += rows.length;
      }
    }
    return scheduled;
  }

  /**
   * The lesson moved (issue 16): each participant's reminders are re-armed for the new time (a
   * 24 h reminder already sent for the old time is due again for the new one), those now in the
   * past are cancelled. Only a newer slot than the reminders were made for applies, so a late or
   * repeated reschedule changes nothing; only a confirmed lesson has reminders (a lesson moved
   * before its confirmation gets them from `booking.confirmed`, which carries the new time).
   */
  async reschedule(em: EntityManager, d: EventDataOf<'bookings.booking.rescheduled.v1'>): Promise<void> {
    if (d.status !== 'confirmed') return;
    await lockBooking(em, d.bookingId);
    const closed: unknown[] = await em.query(`SELECT 1 FROM notifications.closed_bookings WHERE booking_id = $1`, [d.bookingId]);
    if (closed.length) return;
    const [{ seq }]: Array<{ seq: number | null }> = await em.query(
      `SELECT max(slot_sequence) AS seq FROM notifications.reminders WHERE booking_id = $1`,
      [d.bookingId],
    );
    if (seq !== null && seq >= d.slotSequence) return;
    const due = remindersFor(new Date(d.startsAt), this.clock.now());
    for (const reminder of due) {
      for (const userId of [d.studentId, d.tutorId]) {
        await em.query(
          `INSERT INTO notifications.reminders
             (id, booking_id, user_id, kind, due_at, student_id, tutor_id, subject, starts_at, ends_at, slot_sequence)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT ON CONSTRAINT reminders_booking_user_kind_uq DO UPDATE
             SET due_at = EXCLUDED.due_at, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
                 slot_sequence = EXCLUDED.slot_sequence, status = 'scheduled', sent_at = NULL, cancel_reason = NULL, cancelled_at = NULL`,
          [randomUUID(), d.bookingId, userId, reminder.kind, reminder.dueAt, d.studentId, d.tutorId, d.subject, d.startsAt, d.endsAt, d.slotSequence],
        );
      }
    }
    await em.query(
      `UPDATE notifications.reminders SET status = 'cancelled', cancel_reason = 'booking_rescheduled', cancelled_at = $3, slot_sequence = $4
        WHERE booking_id = $1 AND status = 'scheduled' AND NOT (kind = ANY($2))`,
      [d.bookingId, due.map((r) => r.kind), this.clock.now(), d.slotSequence],
    );
  }

  /**
   * The booking will not take place (or already did): cancel what is still scheduled, and
   * remember it so that a confirmation delivered late schedules nothing.
   */
  async closeBooking(em: EntityManager, bookingId: string, reason: BookingClosure): Promise<number> {
    await lockBooking(em, bookingId);
    const now = this.clock.now();
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
}

/**
 * One replica may handle a booking's confirmation while another handles its cancellation.
 * Serialising the two on the booking (until the transaction ends) means the second one always
 * sees what the first committed: no reminder survives a cancellation.
 */
async function lockBooking(em: EntityManager, bookingId: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtext('notifications:booking'), hashtext($1))`, [bookingId]);
}
