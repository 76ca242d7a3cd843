import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * docs/design.md §4: a participant who ends the session before the other joined, while the start window
 * is open, has cancelled; the other is not absent. Recorded at the end (not derived later from
 * the configured window, which may change), so the session and its event tell the same story.
 */
export class AbandonedSessions1733100000000 implements MigrationInterface {
  name = 'AbandonedSessions1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions.sessions ADD COLUMN abandoned_by text CHECK (abandoned_by IN ('student', 'tutor'))`);
    await q.query(`ALTER TABLE sessions.sessions ADD CONSTRAINT sessions_abandoned_only_when_ended CHECK (abandoned_by IS NULL OR status = 'ended')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions.sessions DROP CONSTRAINT sessions_abandoned_only_when_ended`);
    await q.query(`ALTER TABLE sessions.sessions DROP COLUMN abandoned_by`);
  }
}
