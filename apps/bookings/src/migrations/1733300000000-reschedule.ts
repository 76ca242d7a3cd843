import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reschedule (docs/design.md §3, issue 16): proposals, one open per booking (a partial unique index),
 * and the booking's `slot_sequence`, bumped each time it moves so that consumers keep the newest
 * slot whatever order the events reach them in.
 */
export class Reschedule1733300000000 implements MigrationInterface {
  name = 'Reschedule1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bookings.bookings ADD COLUMN slot_sequence integer NOT NULL DEFAULT 0 CHECK (slot_sequence >= 0)`);
    await q.query(`
      CREATE TABLE bookings.reschedule_proposals (
        id uuid PRIMARY KEY,
        booking_id uuid NOT NULL REFERENCES bookings.bookings (id),
        proposed_by uuid NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined', 'expired', 'superseded', 'withdrawn')),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        decided_at timestamptz,
        decided_by uuid,
        CHECK (ends_at > starts_at),
        CHECK ((status = 'proposed') = (decided_at IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX reschedule_one_open_per_booking ON bookings.reschedule_proposals (booking_id) WHERE status = 'proposed'`);
    await q.query(`CREATE INDEX reschedule_open_by_expiry ON bookings.reschedule_proposals (expires_at) WHERE status = 'proposed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bookings.reschedule_proposals`);
    await q.query(`ALTER TABLE bookings.bookings DROP COLUMN slot_sequence`);
  }
}
