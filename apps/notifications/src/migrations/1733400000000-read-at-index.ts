import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention (issue 17): the notifications-retention job looks for notifications read before a
 * cutoff; this index finds them without scanning the whole inbox (unread rows are left out).
 */
export class ReadAtIndex1733400000000 implements MigrationInterface {
  name = 'ReadAtIndex1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX notifications_read_at_idx ON notifications.notifications (read_at) WHERE read_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notifications.notifications_read_at_idx`);
  }
}
