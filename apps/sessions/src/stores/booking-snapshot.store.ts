import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { SNAPSHOT_RANK, type SnapshotStatus } from '../domain/snapshot-precedence';

export type { SnapshotStatus } from '../domain/snapshot-precedence';

export interface BookingSnapshot {
  readonly bookingId: string;
  readonly studentId: string;
  readonly tutorId: string;
  readonly startsAt: Date;
  /** Null only on a tombstone (a cancellation seen before its confirmation). */
  readonly endsAt: Date | null;
  readonly status: SnapshotStatus;
  readonly missedAt: Date | null;
}

interface SnapshotRow {
  booking_id: string;
  student_id: string;
  tutor_id: string;
  starts_at: Date;
  ends_at: Date | null;
  status: SnapshotStatus;
  missed_at: Date | null;
}

export const SNAPSHOT_COLUMNS = 'booking_id, student_id, tutor_id, starts_at, ends_at, status, missed_at';

export function toSnapshot(row: SnapshotRow): BookingSnapshot {
  return {
    bookingId: row.booking_id,
    studentId: row.student_id,
    tutorId: row.tutor_id,
    startsAt: new Date(row.starts_at),
    endsAt: row.ends_at === null ? null : new Date(row.ends_at),
    status: row.status,
    missedAt: row.missed_at === null ? null : new Date(row.missed_at),
  };
}

/**
 * Reads one snapshot. `lock: 'update'` serialises a session start with another start and with
 * the missed-session job, which both lock the same row first (lock order: snapshot, then session).
 */
export async function findSnapshot(em: EntityManager, bookingId: string, lock?: 'update'): Promise<BookingSnapshot | null> {
  const rows: SnapshotRow[] = await em.query(
    `SELECT ${SNAPSHOT_COLUMNS} FROM sessions.booking_snapshots WHERE booking_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [bookingId],
  );
  return rows[0] ? toSnapshot(rows[0]) : null;
}

const rankSql = (column: string) =>
  `(CASE ${column} ${Object.entries(SNAPSHOT_RANK)
    .map(([status, rank]) => `WHEN '${status}' THEN ${rank}`)
    .join(' ')} END)`;

/**
 * Inserts the confirmed booking; on a row that already exists (a duplicate confirmation, or a
 * tombstone left by an earlier-arriving cancellation) only fills in what was missing. The slot
 * is taken from the confirmation unless a reschedule we already applied is newer.
 */
export async function upsertConfirmed(em: EntityManager, data: EventDataOf<'bookings.booking.confirmed.v1'>): Promise<void> {
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

/** A confirmed booking moved: the snapshot takes the new slot, created if need be; only a newer slot applies. */
export async function upsertRescheduledConfirmed(em: EntityManager, data: EventDataOf<'bookings.booking.rescheduled.v1'>): Promise<void> {
  await em.query(
    `INSERT INTO sessions.booking_snapshots AS b (booking_id, student_id, tutor_id, starts_at, ends_at, status, slot_sequence)
         VALUES ($1, $2, $3, $4, $5, 'confirmed', $6)
         ON CONFLICT (booking_id) DO UPDATE SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
           slot_sequence = EXCLUDED.slot_sequence, updated_at = now()
         WHERE b.slot_sequence < EXCLUDED.slot_sequence`,
    [data.bookingId, data.studentId, data.tutorId, data.startsAt, data.endsAt, data.slotSequence],
  );
}

/** A booking we already hold moved (not confirmed when it moved); only a newer slot applies. */
export async function moveSlot(em: EntityManager, data: EventDataOf<'bookings.booking.rescheduled.v1'>): Promise<void> {
  await em.query(
    `UPDATE sessions.booking_snapshots SET starts_at = $2, ends_at = COALESCE($3, ends_at), slot_sequence = $4, updated_at = now()
        WHERE booking_id = $1 AND slot_sequence < $4`,
    [data.bookingId, data.startsAt, data.endsAt, data.slotSequence],
  );
}

/**
 * Moves the snapshot to `status` if that outranks its current one (SNAPSHOT_RANK). With a start
 * time a missing row is created (a tombstone); without one only an existing row moves.
 */
export async function raiseStatus(
  em: EntityManager,
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

/**
 * Claims (FOR UPDATE OF b SKIP LOCKED) confirmed bookings that started before `cutoff`, were not
 * reported missed and have no session.
 */
export async function claimMissedCandidates(em: EntityManager, cutoff: Date, limit: number): Promise<string[]> {
  const candidates: Array<{ booking_id: string }> = await em.query(
    `SELECT b.booking_id FROM sessions.booking_snapshots b
      WHERE b.status = 'confirmed' AND b.missed_at IS NULL AND b.starts_at < $1
        AND NOT EXISTS (SELECT 1 FROM sessions.sessions s WHERE s.booking_id = b.booking_id)
      ORDER BY b.starts_at LIMIT $2
      FOR UPDATE OF b SKIP LOCKED`,
    [cutoff, limit],
  );
  return candidates.map((c) => c.booking_id);
}

export async function markMissed(em: EntityManager, bookingId: string, now: Date): Promise<void> {
  await em.query(`UPDATE sessions.booking_snapshots SET missed_at = $2, updated_at = now() WHERE booking_id = $1`, [bookingId, now]);
}

/** A snapshot the caller's transaction has just claimed (a lost one is a bug). */
export async function mustFindSnapshot(em: EntityManager, bookingId: string): Promise<BookingSnapshot> {
  const booking = await findSnapshot(em, bookingId);
  if (!booking) throw new Error(`booking snapshot ${bookingId} vanished inside its transaction`);
  return booking;
}
