import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sessions schema proper.
 *
 * - booking_snapshots: the local read model of bookings, built only from bookings events.
 *   `ends_at` is nullable because a cancellation may arrive before the confirmation it
 *   follows (the cancelled event carries startsAt but not endsAt); such a row is a tombstone
 *   that a late confirmation fills in without resurrecting it. `missed_at` records that
 *   `session.missed` went out (exactly once per booking).
 * - sessions: one per booking (unique booking_id: a concurrent double start creates one).
 * - session_attendance: one row per participant who joined.
 */
export class Sessions1732280100000 implements MigrationInterface {
  name = 'Sessions1732280100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sessions.booking_snapshots (
        booking_id uuid PRIMARY KEY,
        student_id uuid NOT NULL,
        tutor_id uuid NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz,
        status text NOT NULL CHECK (status IN ('confirmed', 'cancelled', 'no_show', 'completed')),
        missed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (student_id <> tutor_id),
        CHECK (ends_at IS NULL OR ends_at > starts_at),
        CHECK (status <> 'confirmed' OR ends_at IS NOT NULL)
      )`);
    // The missed-session job scans confirmed bookings not yet reported, by start time.
    await q.query(`
      CREATE INDEX booking_snapshots_missed_scan_idx ON sessions.booking_snapshots (starts_at)
        WHERE status = 'confirmed' AND missed_at IS NULL`);
    await q.query(`
      CREATE TABLE sessions.sessions (
        id uuid PRIMARY KEY,
        booking_id uuid NOT NULL REFERENCES sessions.booking_snapshots (booking_id),
        channel_name text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'ended')),
        started_by uuid NOT NULL,
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        ended_by text CHECK (ended_by IS NULL OR ended_by = 'system'
          OR ended_by ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
        duration_seconds integer CHECK (duration_seconds >= 0),
        scheduled_duration_seconds integer NOT NULL CHECK (scheduled_duration_seconds >= 0),
        notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sessions_one_per_booking UNIQUE (booking_id),
        CONSTRAINT sessions_channel_name_unique UNIQUE (channel_name),
        CONSTRAINT sessions_end_consistent CHECK (
          (status = 'active' AND ended_at IS NULL AND ended_by IS NULL AND duration_seconds IS NULL)
          OR (status = 'ended' AND ended_at IS NOT NULL AND ended_by IS NOT NULL AND duration_seconds IS NOT NULL
              AND ended_at >= started_at))
      )`);
    await q.query(`CREATE INDEX sessions_active_idx ON sessions.sessions (booking_id) WHERE status = 'active'`);
    await q.query(`
      CREATE TABLE sessions.session_attendance (
        session_id uuid NOT NULL REFERENCES sessions.sessions (id),
        user_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('student', 'tutor')),
        first_joined_at timestamptz NOT NULL,
        last_joined_at timestamptz NOT NULL,
        join_count integer NOT NULL CHECK (join_count >= 1),
        PRIMARY KEY (session_id, user_id),
        CONSTRAINT session_attendance_one_per_role UNIQUE (session_id, role),
        CHECK (last_joined_at >= first_joined_at)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sessions.session_attendance`);
    await q.query(`DROP TABLE sessions.sessions`);
    await q.query(`DROP TABLE sessions.booking_snapshots`);
  }
}
