import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Disputes follow what payments did with the escrow (issue 13, docs/design.md §3):
 * - `frozen_at`: payments confirmed the freeze (`escrow.frozen`); only then may an admin resolve;
 * - `closed` with `closed_reason`: the freeze came too late (`escrow.freeze_rejected`: the money
 *   was already released or refunded), so the dispute ends with the outcome that money had;
 * - `booking_status_before`: a student may also dispute a no-show that paid the tutor, and the
 *   booking returns to that status when the dispute ends.
 */
export class DisputeFreeze1733100000000 implements MigrationInterface {
  name = 'DisputeFreeze1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE bookings.disputes
        ADD COLUMN frozen_at timestamptz,
        ADD COLUMN closed_reason text CHECK (closed_reason IN ('already_released', 'already_refunded', 'no_escrow')),
        ADD COLUMN closed_at timestamptz,
        ADD COLUMN booking_status_before text NOT NULL DEFAULT 'completed' CHECK (booking_status_before IN ('completed', 'no_show'))`);
    await q.query(`ALTER TABLE bookings.disputes DROP CONSTRAINT disputes_resolution_complete`);
    await q.query(`ALTER TABLE bookings.disputes DROP CONSTRAINT disputes_status_check`);
    await q.query(`ALTER TABLE bookings.disputes ADD CONSTRAINT disputes_status_check CHECK (status IN ('open', 'resolved', 'closed'))`);
    await q.query(`
      ALTER TABLE bookings.disputes ADD CONSTRAINT disputes_resolution_complete CHECK (
        (status = 'open' AND outcome IS NULL AND resolved_at IS NULL AND closed_at IS NULL)
        OR (status = 'resolved' AND outcome IS NOT NULL AND refund_bps IS NOT NULL AND resolved_at IS NOT NULL
            AND resolved_by IS NOT NULL AND frozen_at IS NOT NULL AND closed_at IS NULL)
        OR (status = 'closed' AND outcome IS NULL AND closed_reason IS NOT NULL AND closed_at IS NOT NULL AND resolved_at IS NULL)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bookings.disputes DROP CONSTRAINT disputes_resolution_complete`);
    await q.query(`ALTER TABLE bookings.disputes DROP CONSTRAINT disputes_status_check`);
    await q.query(`ALTER TABLE bookings.disputes ADD CONSTRAINT disputes_status_check CHECK (status IN ('open', 'resolved'))`);
    await q.query(`
      ALTER TABLE bookings.disputes ADD CONSTRAINT disputes_resolution_complete CHECK (
        (status = 'open' AND outcome IS NULL AND resolved_at IS NULL)
        OR (status = 'resolved' AND outcome IS NOT NULL AND refund_bps IS NOT NULL AND resolved_at IS NOT NULL AND resolved_by IS NOT NULL)
      )`);
    await q.query(`ALTER TABLE bookings.disputes DROP COLUMN frozen_at, DROP COLUMN closed_reason, DROP COLUMN closed_at, DROP COLUMN booking_status_before`);
  }
}
