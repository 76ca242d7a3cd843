import type { EntityManager } from 'typeorm';
import type { BookingStatus } from '../domain/session-window';

/** The statuses the sessions read model keeps; anything else of a booking's life is not our concern. */
export type SnapshotStatus = Extract<BookingStatus, 'confirmed' | 'cancelled' | 'no_show' | 'completed'>;

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
