import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tutorhub/testing';
import { DedicatedConnection, type DedicatedSession } from '@tutorhub/persistence';

/**
 * The one connection outside the pool that LISTEN holders keep (read-your-writes, session
 * revocations, the live feed): it hears NOTIFY, comes back after its backend is killed, and
 * stop() ends it for good.
 */
describe('DedicatedConnection (real Postgres)', () => {
  let db: TestDatabase;
  let admin: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.drop();
  });

  const until = async (cond: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 400 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await cond()).toBe(true);
  };

  it('listens, is re-established after its backend dies, and stops for good', async () => {
    const heard: string[] = [];
    const errors: string[] = [];
    let sessions = 0;
    let closed = 0;
    let listening = false;
    const conn = new DedicatedConnection({
      url: db.url,
      applicationName: 'dedicated-connection-test',
      retryMs: 50,
      session: async ({ client, ended }: DedicatedSession) => {
        client.on('notification', (n) => n.payload && heard.push(n.payload));
        await client.query('LISTEN dc_test');
        sessions++;
        listening = true;
        await ended;
      },
      onError: (err) => errors.push(err.message),
      onClosed: () => {
        listening = false;
        closed++;
      },
    });
    conn.start();
    await until(() => listening);
    await admin.query(`SELECT pg_notify('dc_test', 'one')`);
    await until(() => heard.includes('one'));

    // Kill its backend: the holder is told (onClosed) and a new connection LISTENs again.
    const pid = (conn.current as unknown as { processID: number }).processID;
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await until(() => sessions === 2 && listening);
    expect(closed).toBe(1);
    expect((conn.current as unknown as { processID: number }).processID).not.toBe(pid);
    await admin.query(`SELECT pg_notify('dc_test', 'two')`);
    await until(() => heard.includes('two'));

    await conn.stop();
    expect(listening).toBe(false);
    const left = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dedicated-connection-test'`);
    expect(left.rows[0].n).toBe(0);
    // Stopped means stopped: no reconnect after the retry delay.
    await new Promise((r) => setTimeout(r, 200));
    expect(sessions).toBe(2);
    expect(errors).toEqual([]);
  });

  it('retries a connection that cannot be made, and reports why', async () => {
    const errors: string[] = [];
    const conn = new DedicatedConnection({
      url: db.url.replace(/\/[^/?]+(\?|$)/, '/no_such_database_test$1'),
      applicationName: 'dedicated-connection-test-bad',
      retryMs: 20,
      session: async ({ ended }) => ended,
      onError: (err) => errors.push(err.message),
    });
    conn.start();
    await until(() => errors.length >= 2);
    await conn.stop();
    expect(errors[0]).toMatch(/no_such_database_test/);
  });
});
