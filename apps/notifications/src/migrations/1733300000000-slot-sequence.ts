import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reschedule (issue 16): reminders remember which slot of the lesson they were made for, so a
 * late or repeated `booking.rescheduled` never moves them back to an older time.
 */
export class SlotSequence1733300000000 implements MigrationInterface {
  name = 'SlotSequence1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications.reminders ADD COLUMN slot_sequence integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications.reminders DROP COLUMN slot_sequence`);
  }
}
