import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reschedule (issue 16): a booking's slot may move. `slot_sequence` is how many times it had
 * moved when the snapshot's slot was written; an event with a lower sequence (a late
 * confirmation, an older reschedule) never moves the lesson back.
 */
export class SlotSequence1733300000000 implements MigrationInterface {
  name = 'SlotSequence1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions.booking_snapshots ADD COLUMN slot_sequence integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions.booking_snapshots DROP COLUMN slot_sequence`);
  }
}
