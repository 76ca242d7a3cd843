import type { PoolClient, QueryResult as PgResult } from 'pg';
import { QueryFailedError, type EntityManager, type QueryRunner } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

/**
 * Fewer round trips per transaction (issue 15, ADR 0019).
 *
 * TypeORM awaits `START TRANSACTION` before the first statement of every transaction, which
 * costs one round trip (and a wake-up of both processes) per transaction. The pool's clients
 * run in node-postgres' pipeline mode (`dataSourceOptions`: `pipeline: true`), in which a
 * query is written to the socket as soon as it is queued instead of after the previous one's
 * ReadyForQuery. So `START TRANSACTION` is held back here and written together with the
 * transaction's first statement: one round trip instead of two. A transaction that runs no
 * statement at all sends neither `START TRANSACTION` nor `COMMIT`.
 *
 * Without pipeline mode (a client created elsewhere) node-postgres would wait anyway, so
 * the runner then behaves exactly as TypeORM's.
 *
 * Statements can also be deferred explicitly (`deferStatement`): the batched event consumer
 * sends `RELEASE SAVEPOINT`/`SAVEPOINT` with the next event's inbox insert.
 *
 * Semantics are unchanged: statements still run one after the other on one connection in the
 * order they were issued, and an error of a deferred statement is thrown by the statement it
 * was sent with (the one after a failed `BEGIN` or `SAVEPOINT` fails as well, because the
 * transaction is then aborted). `BEGIN` itself cannot fail on a live connection.
 */
const PENDING = Symbol('tutorhub.pendingStatements');

type Runner = PostgresQueryRunner & {
  [PENDING]?: string[];
  transactionDepth: number;
  databaseConnection?: PoolClient & { pipeline?: boolean };
};

let installed = false;

export function installPipelinedTransactions(): void {
  if (installed) return;
  installed = true;
  const proto = PostgresQueryRunner.prototype as unknown as Runner;
  const original = proto.query as (this: Runner, query: string, parameters?: unknown[], useStructuredResult?: boolean) => Promise<unknown>;
  (proto as { query: typeof original }).query = async function (this: Runner, query: string, parameters?: unknown[], useStructuredResult = false) {
    const pending = this[PENDING];
    if (query === 'START TRANSACTION' && this.transactionDepth === 0 && !pending) {
      // Takes the connection now, as TypeORM does: waiting for the pool belongs here.
      const conn = (await this.connect()) as Runner['databaseConnection'];
      if (!conn?.pipeline) return original.call(this, query, parameters, useStructuredResult);
      this[PENDING] = [query];
      return empty(useStructuredResult);
    }
    if (!pending) return original.call(this, query, parameters, useStructuredResult);
    this[PENDING] = undefined;
    if ((query === 'COMMIT' || query === 'ROLLBACK') && pending[0] === 'START TRANSACTION') {
      // Nothing ran in the transaction (deferred savepoints do nothing on their own).
      return empty(useStructuredResult);
    }
    const conn = (await this.connect()) as PoolClient;
    // Written now; the statement below follows on the same connection before any answer.
    const sent = pending.map((sql) => {
      const p: Promise<PgResult> = conn.query(sql);
      p.catch(() => undefined);
      return { sql, p };
    });
    let result: unknown;
    try {
      result = await original.call(this, query, parameters, useStructuredResult);
    } catch (err) {
      await firstFailure(sent);
      throw err;
    }
    await firstFailure(sent);
    return result;
  };
}

async function firstFailure(sent: Array<{ sql: string; p: Promise<PgResult> }>): Promise<void> {
  for (const { sql, p } of sent) {
    try {
      await p;
    } catch (err) {
      throw new QueryFailedError(sql, [], err as Error);
    }
  }
}

function empty(structured: boolean): unknown {
  return structured ? { records: [], raw: [] } : [];
}

/**
 * Sends `sql` (no parameters) together with the next statement on this transaction's
 * connection instead of in a round trip of its own. Only for statements whose success the
 * caller does not need to see before issuing the next one (SAVEPOINT, RELEASE SAVEPOINT).
 * Falls back to running it at once when the runner's client is not pipelined.
 */
export async function deferStatement(em: EntityManager, sql: string): Promise<void> {
  const runner = em.queryRunner as Runner | undefined;
  if (!runner) throw new Error('deferStatement needs a transactional EntityManager');
  const conn = (await runner.connect()) as Runner['databaseConnection'];
  if (!conn?.pipeline) {
    await runner.query(sql);
    return;
  }
  (runner[PENDING] ??= []).push(sql);
}

/**
 * A hot, fixed statement as a named prepared statement on the transaction's connection:
 * parsed and planned once per connection instead of at every execution. `name` must be
 * unique per text (node-postgres refuses a name reused for another text). Returns the rows.
 * Pending deferred statements go out first (through TypeORM's `query` on a no-op when none).
 */
export async function preparedQuery<T = Record<string, unknown>>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = em.queryRunner as (QueryRunner & Runner) | undefined;
  if (!runner || runner.isReleased) return (await em.query(text, values)) as T[];
  const pending = runner[PENDING];
  const conn = (await runner.connect()) as PoolClient;
  if (pending) {
    runner[PENDING] = undefined;
    const sent = pending.map((sql) => {
      const p: Promise<PgResult> = conn.query(sql);
      p.catch(() => undefined);
      return { sql, p };
    });
    let rows: T[];
    try {
      rows = (await conn.query({ name, text, values })).rows as T[];
    } catch (err) {
      await firstFailure(sent);
      throw new QueryFailedError(text, values, err as Error);
    }
    await firstFailure(sent);
    return rows;
  }
  try {
    return (await conn.query({ name, text, values })).rows as T[];
  } catch (err) {
    throw new QueryFailedError(text, values, err as Error);
  }
}
