import type { EntityManager } from 'typeorm';
import type { ParticipantRole, SessionState } from '../domain/attendance';

export interface AttendanceRecord {
  readonly userId: string;
  readonly role: ParticipantRole;
  readonly firstJoinedAt: Date;
  readonly lastJoinedAt: Date;
  readonly joinCount: number;
}

/** A stored session: the domain state plus what the domain does not model (ids, notes, counts). */
export interface SessionRecord {
  readonly id: string;
  readonly bookingId: string;
  readonly channelName: string;
  readonly scheduledDurationSeconds: number;
  readonly notes: string | null;
  /** docs/design.md §4: the participant who ended it before the other joined, while the start window was open. */
  readonly abandonedBy: ParticipantRole | null;
  readonly state: SessionState;
  readonly attendance: readonly AttendanceRecord[];
}

interface SessionRow {
  id: string;
  booking_id: string;
  channel_name: string;
  status: 'active' | 'ended';
  started_by: string;
  started_at: Date;
  ended_at: Date | null;
  ended_by: string | null;
  duration_seconds: number | null;
  scheduled_duration_seconds: number;
  notes: string | null;
  abandoned_by: ParticipantRole | null;
}

interface AttendanceRow {
  user_id: string;
  role: ParticipantRole;
  first_joined_at: Date;
  last_joined_at: Date;
  join_count: number;
}

/**
 * The booking's session with its attendance, or null. `lock: 'update'` takes the session row
 * lock that serialises join, renew, end and the auto-end job on one session.
 */
export async function findSessionByBooking(em: EntityManager, bookingId: string, lock?: 'update'): Promise<SessionRecord | null> {
  const rows: SessionRow[] = await em.query(
    `SELECT id, booking_id, channel_name, status, started_by, started_at, ended_at, ended_by, duration_seconds,
            scheduled_duration_seconds, notes, abandoned_by
       FROM sessions.sessions WHERE booking_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [bookingId],
  );
  const row = rows[0];
  if (!row) return null;
  const attendanceRows: AttendanceRow[] = await em.query(
    `SELECT user_id, role, first_joined_at, last_joined_at, join_count
       FROM sessions.session_attendance WHERE session_id = $1 ORDER BY first_joined_at`,
    [row.id],
  );
  const attendance = attendanceRows.map(
    (a): AttendanceRecord => ({
      userId: a.user_id,
      role: a.role,
      firstJoinedAt: new Date(a.first_joined_at),
      lastJoinedAt: new Date(a.last_joined_at),
      joinCount: Number(a.join_count),
    }),
  );
  const joinedAt = (role: ParticipantRole) => attendance.find((a) => a.role === role)?.firstJoinedAt ?? null;
  const base = {
    startedBy: row.started_by,
    startedAt: new Date(row.started_at),
    attendance: { studentJoinedAt: joinedAt('student'), tutorJoinedAt: joinedAt('tutor') },
  };
  let state: SessionState;
  if (row.status === 'active') {
    state = { ...base, status: 'active' };
  } else {
    // The sessions_end_consistent check guarantees all three on an ended row.
    if (row.ended_at === null || row.ended_by === null) throw new Error(`ended session ${row.id} lacks its end`);
    state = { ...base, status: 'ended', endedAt: new Date(row.ended_at), endedBy: row.ended_by, durationSeconds: Number(row.duration_seconds) };
  }
  return {
    id: row.id,
    bookingId: row.booking_id,
    channelName: row.channel_name,
    scheduledDurationSeconds: Number(row.scheduled_duration_seconds),
    notes: row.notes,
    abandonedBy: row.abandoned_by,
    state,
    attendance,
  };
}

export async function insertSession(
  em: EntityManager,
  s: { id: string; bookingId: string; channelName: string; startedBy: string; startedAt: Date; scheduledDurationSeconds: number },
): Promise<void> {
  await em.query(
    `INSERT INTO sessions.sessions (id, booking_id, channel_name, status, started_by, started_at, scheduled_duration_seconds)
     VALUES ($1, $2, $3, 'active', $4, $5, $6)`,
    [s.id, s.bookingId, s.channelName, s.startedBy, s.startedAt, s.scheduledDurationSeconds],
  );
}

/**
 * Records a join. Returns true when it was the user's first join of the session (the row was
 * created); a rejoin moves `last_joined_at` and counts it. `countRejoin: false` (a token
 * renewal) records a first join but leaves an existing record alone.
 */
export async function recordJoin(
  em: EntityManager,
  sessionId: string,
  userId: string,
  role: ParticipantRole,
  at: Date,
  countRejoin = true,
): Promise<boolean> {
  const inserted: unknown[] = await em.query(
    `INSERT INTO sessions.session_attendance (session_id, user_id, role, first_joined_at, last_joined_at, join_count)
     VALUES ($1, $2, $3, $4, $4, 1)
     ON CONFLICT (session_id, user_id) DO NOTHING RETURNING user_id`,
    [sessionId, userId, role, at],
  );
  if (inserted.length > 0) return true;
  if (countRejoin) {
    await em.query(
      `UPDATE sessions.session_attendance
          SET last_joined_at = GREATEST(last_joined_at, $3), join_count = join_count + 1
        WHERE session_id = $1 AND user_id = $2`,
      [sessionId, userId, at],
    );
  }
  return false;
}

export async function markEnded(
  em: EntityManager,
  sessionId: string,
  end: { endedAt: Date; endedBy: string; durationSeconds: number; notes: string | null; abandonedBy: ParticipantRole | null },
): Promise<void> {
  await em.query(
    `UPDATE sessions.sessions
        SET status = 'ended', ended_at = $2, ended_by = $3, duration_seconds = $4,
            notes = COALESCE($5, notes), abandoned_by = $6, updated_at = now()
      WHERE id = $1 AND status = 'active'`,
    [sessionId, end.endedAt, end.endedBy, end.durationSeconds, end.notes, end.abandonedBy],
  );
}

/** Notes given with a later end request are kept if the session has none yet. */
export async function addNotesIfMissing(em: EntityManager, sessionId: string, notes: string): Promise<void> {
  await em.query(`UPDATE sessions.sessions SET notes = $2, updated_at = now() WHERE id = $1 AND notes IS NULL`, [sessionId, notes]);
}

/**
 * Claims (FOR UPDATE OF s SKIP LOCKED) the active sessions whose booking ended at or before
 * `cutoff`; their booking ids, the earliest end first.
 */
export async function claimActivePastEnd(em: EntityManager, cutoff: Date, limit: number): Promise<string[]> {
  const due: Array<{ booking_id: string }> = await em.query(
    `SELECT s.booking_id FROM sessions.sessions s
       JOIN sessions.booking_snapshots b ON b.booking_id = s.booking_id
      WHERE s.status = 'active' AND b.ends_at <= $1
      ORDER BY b.ends_at LIMIT $2
      FOR UPDATE OF s SKIP LOCKED`,
    [cutoff, limit],
  );
  return due.map((d) => d.booking_id);
}

/** The booking's session, which the caller's transaction already found or created (a lost one is a bug). */
export async function mustFindSession(em: EntityManager, bookingId: string): Promise<SessionRecord> {
  const record = await findSessionByBooking(em, bookingId);
  if (!record) throw new Error(`session of booking ${bookingId} vanished inside its transaction`);
  return record;
}
