import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reschedule (issue 16): the read model keeps the newest slot of a booking (`slot_sequence`), so
 * a late `booking.accepted` never moves a rescheduled lesson back; the payment window (paid by
 * the start) follows the lesson. Reschedule never touches an escrow.
 */
export class SlotSequence1733300000000 implements MigrationInterface {
  name = 'SlotSequence1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments.bookings ADD COLUMN slot_sequence integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments.bookings DROP COLUMN slot_sequence`);
  }
}
