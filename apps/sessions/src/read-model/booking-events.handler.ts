import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import type { SnapshotStatus } from './booking-snapshot';

/**
 * Precedence of snapshot statuses: an event only ever moves a snapshot up. Events of one
 * booking normally arrive in order, but a retried or replayed message may not, and a
 * confirmation that lands after the cancellation must not bring the booking back.
 */
const RANK: Record<SnapshotStatus, number> = { confirmed: 1, completed: 2, no_show: 2, cancelled: 3 };
const rankSql = (column: string) =>
  `(CASE ${column} ${Object.entries(RANK)
    .map(([status, rank]) => `WHEN '${status}' THEN ${rank}`)
    .join(' ')} END)`;

/**
 * Builds `sessions.booking_snapshots` from bookings events. The sessions service never asks the
 * bookings service who may do what: this read model is all it knows of a booking. Each handler
 * runs in the inbox transaction, so a duplicate event has no second effect.
 */
@Injectable()
export class BookingEventsHandler {
  @OnEvent('bookings.booking.confirmed.v1')
  async onConfirmed(data: EventDataOf<'bookings.booking.confirmed.v1'>, { em }: EventContext): Promise<void> {
    // Inserts the confirmed booking; on a row that already exists (a duplicate confirmation, or
    // a tombstone left by an earlier-arriving cancellation) only fills in what was missing.
    // The slot is taken from the confirmation unless a reschedule we already applied is newer.
    await em.query(
      `INSERT INTO sessions.booking_snapshots AS b (booking_id, student_id, tutor_id, starts_at, ends_at, status, slot_sequence)
       VALUES ($1, $2, $3, $4, $5, 'confirmed', $6)
       ON CONFLICT (booking_id) DO UPDATE SET
         starts_at = CASE WHEN EXCLUDED.slot_sequence > b.slot_sequence THEN EXCLUDED.starts_at ELSE b.starts_at END,
         ends_at = CASE WHEN EXCLUDED.slot_sequence > b.slot_sequence
                          OR (EXCLUDED.slot_sequence = b.slot_sequence AND b.ends_at IS NULL) THEN EXCLUDED.ends_at
                        ELSE b.ends_at END,
         slot_sequence = GREATEST(b.slot_sequence, EXCLUDED.slot_sequence),
         updated_at = now()`,
      [data.bookingId, data.studentId, data.tutorId, data.startsAt, data.endsAt, data.slotSequence ?? 0],
    );
  }

  /**
   * The lesson moved (issue 16): the start window and the token expiry follow the new slot. Only
   * a newer slot applies (`slotSequence`), so a reschedule overtaken by a later one, or delivered
   * twice, changes nothing. A booking we have not seen confirmed yet: if it was confirmed when it
   * moved, the snapshot starts here (its confirmation, when it comes, is older); otherwise its
   * confirmation will carry the new slot, so there is nothing to keep.
   */
  @OnEvent('bookings.booking.rescheduled.v1')
  async onRescheduled(data: EventDataOf<'bookings.booking.rescheduled.v1'>, { em }: EventContext): Promise<void> {
    if (data.status === 'confirmed') {
      await em.query(
        `INSERT INTO sessions.booking_snapshots AS b (booking_id, student_id, tutor_id, starts_at, ends_at, status, slot_sequence)
         VALUES ($1, $2, $3, $4, $5, 'confirmed', $6)
         ON CONFLICT (booking_id) DO UPDATE SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
           slot_sequence = EXCLUDED.slot_sequence, updated_at = now()
         WHERE b.slot_sequence < EXCLUDED.slot_sequence`,
        [data.bookingId, data.studentId, data.tutorId, data.startsAt, data.endsAt, data.slotSequence],
      );
      return;
    }
    await em.query(
      `UPDATE sessions.booking_snapshots SET starts_at = $2, ends_at = COALESCE($3, ends_at), slot_sequence = $4, updated_at = now()
        WHERE booking_id = $1 AND slot_sequence < $4`,
      [data.bookingId, data.startsAt, data.endsAt, data.slotSequence],
    );
  }

  @OnEvent('bookings.booking.cancelled.v1')
  async onCancelled(data: EventDataOf<'bookings.booking.cancelled.v1'>, { em }: EventContext): Promise<void> {
    // A cancellation may be the first we hear of a booking (it overtook the confirmation):
    // keep a tombstone so that the confirmation, when it comes, cannot resurrect it.
    await this.raise(em, data, 'cancelled', data.startsAt);
  }

  @OnEvent('bookings.booking.no_show.v1')
  async onNoShow(data: EventDataOf<'bookings.booking.no_show.v1'>, { em }: EventContext): Promise<void> {
    await this.raise(em, data, 'no_show', null);
  }

  @OnEvent('bookings.booking.completed.v1')
  async onCompleted(data: EventDataOf<'bookings.booking.completed.v1'>, { em }: EventContext): Promise<void> {
    await this.raise(em, data, 'completed', null);
  }

  /**
   * Moves the snapshot to `status` if that outranks its current one. Without a start time the
   * row cannot be created; that is fine for no_show and completed, which only follow a
   * confirmation (and, being after the start window, can no longer open a session anyway).
   */
  private async raise(
    em: EventContext['em'],
    data: { bookingId: string; studentId: string; tutorId: string },
    status: SnapshotStatus,
    startsAt: string | null,
  ): Promise<void> {
    if (startsAt !== null) {
      await em.query(
        `INSERT INTO sessions.booking_snapshots AS b (booking_id, student_id, tutor_id, starts_at, ends_at, status)
         VALUES ($1, $2, $3, $4, NULL, $5)
         ON CONFLICT (booking_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()
           WHERE ${rankSql('b.status')} < ${rankSql('EXCLUDED.status')}`,
        [data.bookingId, data.studentId, data.tutorId, startsAt, status],
      );
      return;
    }
    await em.query(
      `UPDATE sessions.booking_snapshots AS b SET status = $2, updated_at = now()
        WHERE booking_id = $1 AND ${rankSql('b.status')} < ${rankSql('$2::text')}`,
      [data.bookingId, status],
    );
  }
}
