import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tutor profiles, the users read model, bookings, reviews and disputes.
 *
 * No double booking: two exclusion constraints (btree_gist) refuse overlapping live bookings
 * (requested, accepted, confirmed, in_progress — domain LIVE_STATUSES) of one tutor and of one
 * student. Ranges are half-open `[start, end)`, so back-to-back lessons are fine.
 */
export class Bookings1732290000000 implements MigrationInterface {
  name = 'Bookings1732290000000';

  async up(q: QueryRunner): Promise<void> {
    // The extension is per database and several services' migrations may run at once on a fresh
    // database: serialise the creation so that concurrent IF NOT EXISTS cannot collide.
    await q.query(`SELECT pg_advisory_xact_lock(hashtext('create-extension:btree_gist'))`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);

    await q.query(`
      CREATE TABLE bookings.users (
        id uuid PRIMARY KEY,
        role text NOT NULL CHECK (role IN ('student', 'tutor', 'admin')),
        full_name text,
        registered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE bookings.tutor_profiles (
        id uuid PRIMARY KEY REFERENCES bookings.users (id),
        headline text NOT NULL,
        bio text NOT NULL,
        subjects text[] NOT NULL CHECK (cardinality(subjects) BETWEEN 1 AND 20),
        hourly_rate_minor bigint NOT NULL CHECK (hourly_rate_minor > 0),
        currency text NOT NULL CHECK (currency IN ('ETB', 'USD')),
        timezone text NOT NULL,
        rating_sum bigint NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
        rating_count integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX tutor_profiles_subjects_gin ON bookings.tutor_profiles USING gin (subjects)`);
    await q.query(`CREATE INDEX tutor_profiles_order_idx ON bookings.tutor_profiles (created_at, id)`);

    await q.query(`
      CREATE TABLE bookings.bookings (
        id uuid PRIMARY KEY,
        student_id uuid NOT NULL REFERENCES bookings.users (id),
        tutor_id uuid NOT NULL REFERENCES bookings.tutor_profiles (id),
        subject text NOT NULL,
        note text,
        status text NOT NULL CHECK (status IN ('requested', 'accepted', 'confirmed', 'in_progress', 'completed',
                                               'declined', 'expired', 'cancelled', 'no_show', 'disputed')),
        price_minor bigint NOT NULL CHECK (price_minor >= 0),
        currency text NOT NULL CHECK (currency IN ('ETB', 'USD')),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 15 AND 240),
        accept_deadline timestamptz NOT NULL,
        payment_deadline timestamptz NOT NULL,
        money_status text NOT NULL DEFAULT 'unpaid'
          CHECK (money_status IN ('unpaid', 'held', 'release_scheduled', 'frozen', 'released', 'refunded', 'partially_refunded')),
        escrow_id uuid,
        refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
        released_minor bigint NOT NULL DEFAULT 0 CHECK (released_minor >= 0),
        idempotency_key text,
        accepted_at timestamptz,
        declined_at timestamptz,
        decline_reason text,
        confirmed_at timestamptz,
        session_started_at timestamptz,
        session_ended_at timestamptz,
        completed_at timestamptz,
        expired_at timestamptz,
        expiry_reason text CHECK (expiry_reason IN ('not_accepted', 'not_paid')),
        no_show_at timestamptz,
        absent_party text CHECK (absent_party IN ('student', 'tutor', 'both')),
        cancelled_at timestamptz,
        cancelled_by uuid,
        cancelled_by_role text CHECK (cancelled_by_role IN ('student', 'tutor', 'admin')),
        cancel_reason text,
        refund_bps integer CHECK (refund_bps BETWEEN 0 AND 10000),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT bookings_ends_after_start CHECK (ends_at > starts_at),
        CONSTRAINT bookings_not_self CHECK (student_id <> tutor_id),
        CONSTRAINT bookings_no_tutor_overlap EXCLUDE USING gist (
          tutor_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
        ) WHERE (status IN ('requested', 'accepted', 'confirmed', 'in_progress')),
        CONSTRAINT bookings_no_student_overlap EXCLUDE USING gist (
          student_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
        ) WHERE (status IN ('requested', 'accepted', 'confirmed', 'in_progress'))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX bookings_idempotency_key_uq ON bookings.bookings (student_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(`CREATE INDEX bookings_student_order_idx ON bookings.bookings (student_id, starts_at DESC, id DESC)`);
    await q.query(`CREATE INDEX bookings_tutor_order_idx ON bookings.bookings (tutor_id, starts_at DESC, id DESC)`);
    await q.query(`CREATE INDEX bookings_order_idx ON bookings.bookings (starts_at DESC, id DESC)`);
    // The expiry job's two scans.
    await q.query(`CREATE INDEX bookings_accept_due_idx ON bookings.bookings (accept_deadline) WHERE status = 'requested'`);
    await q.query(`CREATE INDEX bookings_payment_due_idx ON bookings.bookings (payment_deadline) WHERE status = 'accepted'`);

    await q.query(`
      CREATE TABLE bookings.reviews (
        id uuid PRIMARY KEY,
        booking_id uuid NOT NULL REFERENCES bookings.bookings (id),
        author_id uuid NOT NULL,
        author_role text NOT NULL CHECK (author_role IN ('student', 'tutor')),
        reviewee_id uuid NOT NULL,
        rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment text,
        created_at timestamptz NOT NULL,
        CONSTRAINT reviews_one_per_author UNIQUE (booking_id, author_id)
      )`);
    await q.query(`CREATE INDEX reviews_reviewee_idx ON bookings.reviews (reviewee_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE bookings.disputes (
        id uuid PRIMARY KEY,
        booking_id uuid NOT NULL REFERENCES bookings.bookings (id),
        opened_by uuid NOT NULL,
        reason text NOT NULL,
        status text NOT NULL CHECK (status IN ('open', 'resolved')),
        outcome text CHECK (outcome IN ('release', 'refund', 'split')),
        refund_bps integer CHECK (refund_bps BETWEEN 0 AND 10000),
        resolution_note text,
        resolved_by uuid,
        opened_at timestamptz NOT NULL,
        resolved_at timestamptz,
        CONSTRAINT disputes_one_per_booking UNIQUE (booking_id),
        CONSTRAINT disputes_resolution_complete CHECK (
          (status = 'open' AND outcome IS NULL AND resolved_at IS NULL)
          OR (status = 'resolved' AND outcome IS NOT NULL AND refund_bps IS NOT NULL AND resolved_at IS NOT NULL AND resolved_by IS NOT NULL)
        )
      )`);
    await q.query(`CREATE INDEX disputes_order_idx ON bookings.disputes (opened_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bookings.disputes`);
    await q.query(`DROP TABLE bookings.reviews`);
    await q.query(`DROP TABLE bookings.bookings`);
    await q.query(`DROP TABLE bookings.tutor_profiles`);
    await q.query(`DROP TABLE bookings.users`);
    // btree_gist stays: other schemas may use it.
  }
}
