import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@tutorhub/testing';
import { dataSourceOptions, deferStatement, pgCode, preparedQuery } from '@tutorhub/persistence';

/**
 * Transactions on pipelined pool clients (ADR 0019): START TRANSACTION is held back and written
 * with the first statement. What a transaction commits or rolls back must be exactly what it
 * was before; only the trips change.
 */
describe('pipelined transactions (real Postgres)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(dataSourceOptions({ url: db.url, schema: 'public', entities: [], migrations: [], poolSize: 2 }));
    await ds.initialize();
    await ds.query(`CREATE TABLE t (id int PRIMARY KEY)`);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const ids = async () => ((await ds.query(`SELECT id FROM t ORDER BY id`)) as Array<{ id: number }>).map((r) => r.id);

  it('commits what the callback wrote and rolls back what a failing one wrote', async () => {
    await ds.transaction(async (em) => {
      await em.query(`INSERT INTO t VALUES (1)`);
      await em.query(`INSERT INTO t VALUES (2)`);
    });
    await expect(
      ds.transaction(async (em) => {
        await em.query(`INSERT INTO t VALUES (3)`);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    // The first statement is the one that carries BEGIN: when it fails, nothing is left either.
    const err = await ds.transaction((em) => em.query(`INSERT INTO t VALUES (1)`)).catch((e: unknown) => e);
    expect(pgCode(err)).toBe('23505');
    await expect(ds.transaction(async () => Promise.reject(new Error('before any statement')))).rejects.toThrow('before any statement');
    expect(await ids()).toEqual([1, 2]);
    await ds.query(`DELETE FROM t`);
  });

  it('runs a statement after a failed one in the same transaction as aborted, and the connection stays usable', async () => {
    const err = await ds
      .transaction(async (em) => {
        await em.query(`INSERT INTO t VALUES (10)`);
        await em.query(`INSERT INTO t VALUES (10)`).catch(() => undefined);
        await em.query(`INSERT INTO t VALUES (11)`);
      })
      .catch((e: unknown) => e);
    expect(pgCode(err)).toBe('25P02');
    expect(await ids()).toEqual([]);
    for (let i = 0; i < 3; i++) await ds.transaction((em) => em.query(`INSERT INTO t VALUES ($1)`, [20 + i]));
    expect(await ids()).toEqual([20, 21, 22]);
    await ds.query(`DELETE FROM t`);
  });

  it('keeps nested transactions (savepoints) and deferred savepoints apart', async () => {
    await ds.transaction(async (em) => {
      await em.query(`INSERT INTO t VALUES (30)`);
      await em.transaction((inner) => inner.query(`INSERT INTO t VALUES (31)`));
      await expect(
        em.transaction(async (inner) => {
          await inner.query(`INSERT INTO t VALUES (32)`);
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
      await deferStatement(em, `SAVEPOINT s`);
      await preparedQuery(em, 'pipelined_spec_insert', `INSERT INTO t VALUES ($1)`, [33]);
      await em.query(`ROLLBACK TO SAVEPOINT s`);
      await deferStatement(em, `RELEASE SAVEPOINT s`);
      await preparedQuery(em, 'pipelined_spec_insert', `INSERT INTO t VALUES ($1)`, [34]);
    });
    expect(await ids()).toEqual([30, 31, 34]);
    await ds.query(`DELETE FROM t`);
  });

  it('sends nothing for a transaction that runs no statement, and BEGIN only with the first one', async () => {
    const runner = ds.createQueryRunner();
    const conn = (await runner.connect()) as PoolClient;
    const sent: string[] = [];
    // Whether the previous statement had its answer when the next one was handed to the client.
    const answeredBefore: boolean[] = [];
    let answered = true;
    const query = conn.query.bind(conn) as (...args: unknown[]) => Promise<unknown>;
    (conn as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      sent.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
      answeredBefore.push(answered);
      answered = false;
      const p = query(...args);
      void p.then(
        () => (answered = true),
        () => (answered = true),
      );
      return p;
    };
    try {
      await runner.startTransaction();
      await runner.commitTransaction();
      expect(sent).toEqual([]);
      await runner.startTransaction();
      expect(sent).toEqual([]);
      await runner.query(`INSERT INTO t VALUES (40)`);
      await runner.commitTransaction();
      expect(sent).toEqual(['START TRANSACTION', 'INSERT INTO t VALUES (40)', 'COMMIT']);
      // The INSERT went out behind START TRANSACTION without waiting for its answer; COMMIT after the INSERT's.
      expect(answeredBefore).toEqual([true, false, true]);
      expect((conn as unknown as { pipeline?: boolean }).pipeline).toBe(true);
    } finally {
      (conn as unknown as { query: unknown }).query = query;
      await runner.release();
    }
    expect(await ids()).toEqual([40]);
  });
});
