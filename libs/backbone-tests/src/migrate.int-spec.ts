import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createTestDatabase, eventually, type TestDatabase } from '@tutorhub/testing';
import { migrate } from '@tutorhub/persistence';

const SCHEMA = 'migrate_probe';

class CreateProbe1700000000000 implements MigrationInterface {
  name = 'CreateProbe1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "${SCHEMA}".probe (id int PRIMARY KEY)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "${SCHEMA}".probe`);
  }
}

class Broken1700000000001 implements MigrationInterface {
  name = 'Broken1700000000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "${SCHEMA}".no_such_table ADD COLUMN x int`);
  }
  async down(): Promise<void> {
    // nothing to undo: up() fails before it changes anything
  }
}

/**
 * Start-up migrations against a database whose connection is cut (a failover, a proxy that
 * shuts sessions): the replica retries instead of dying, and a migration that is wrong still
 * fails at once. The HA fault lab found the process exiting on an unhandled 'error' event.
 */
describe('migrate (real Postgres)', () => {
  let db: TestDatabase;
  let admin: Client;

  beforeEach(async () => {
    db = await createTestDatabase();
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });
  afterEach(async () => {
    await admin?.end();
    await db?.drop();
  });

  const migratePid = async (): Promise<number | undefined> =>
    (
      await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND wait_event_type = 'Lock'`,
        [`${SCHEMA}-migrate`],
      )
    ).rows[0]?.pid;

  it('retries when its connection is cut while it waits for the migration lock, then applies once', async () => {
    // Another replica holds the lock: this one waits on it, and its connection is then killed.
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${SCHEMA}`]);
    const log: string[] = [];
    const done = migrate({ url: db.url, schema: SCHEMA, entities: [], migrations: [CreateProbe1700000000000] }, (m) => log.push(m), 30_000);
    let firstPid: number | undefined;
    await eventually(async () => (firstPid = await migratePid()) !== undefined);
    await admin.query('SELECT pg_terminate_backend($1)', [firstPid]);

    // It comes back on a new connection and waits for the lock again.
    await eventually(async () => {
      const pid = await migratePid();
      return pid !== undefined && pid !== firstPid;
    });
    await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${SCHEMA}`]);

    await expect(done).resolves.toEqual(['CreateProbe1700000000000']);
    expect(log.filter((l) => l.includes('retrying'))).toHaveLength(1);
    const applied = await admin.query(`SELECT name FROM "${SCHEMA}".migrations`);
    expect(applied.rows.map((r: { name: string }) => r.name)).toEqual(['CreateProbe1700000000000']);
  });

  it('does not retry a migration that fails, and keeps what committed before it', async () => {
    const log: string[] = [];
    await expect(
      migrate({ url: db.url, schema: SCHEMA, entities: [], migrations: [CreateProbe1700000000000, Broken1700000000001] }, (m) => log.push(m), 30_000),
    ).rejects.toThrow(/no_such_table/);
    expect(log.some((l) => l.includes('retrying'))).toBe(false);
    const applied = await admin.query(`SELECT name FROM "${SCHEMA}".migrations`);
    expect(applied.rows.map((r: { name: string }) => r.name)).toEqual(['CreateProbe1700000000000']);
  });
});
