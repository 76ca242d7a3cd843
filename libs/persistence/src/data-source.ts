import { Client } from 'pg';
import { isTransientInfrastructureError } from '@tutorhub/platform';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { installPipelinedTransactions } from './pipelined-transactions';

export interface PersistenceOptions {
  url: string;
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own entity list type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own migration list type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
}

/**
 * One DataSource per service, on its own schema. Never `synchronize`: the schema changes only
 * through reviewed migrations, tracked in the schema's own `migrations` table.
 */
export function dataSourceOptions(o: PersistenceOptions): DataSourceOptions {
  installPipelinedTransactions();
  return {
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: o.entities,
    migrations: o.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    // TypeORM's error logging prints every failed query with its parameters (emails, tokens)
    // to stdout, including the constraint violations we expect and map to 409s. Unexpected
    // errors are logged by the RPC server, the consumer and the problem filter instead.
    logging: false,
    applicationName: o.applicationName ?? o.schema,
    extra: {
      max: o.poolSize ?? 10,
      // node-postgres writes each query as soon as it is queued rather than after the previous
      // answer, so a transaction's BEGIN travels with its first statement (pipelined-transactions.ts,
      // ADR 0019). TypeORM awaits every statement, so nothing else changes order or timing.
      pipeline: true,
      // Fail fast instead of queueing forever when the database is down or saturated.
      connectionTimeoutMillis: 5000,
      statement_timeout: 30000,
      idle_in_transaction_session_timeout: 60000,
    },
  } as DataSourceOptions;
}

/**
 * Creates the schema (TypeORM does not: typeorm#5382) and runs pending migrations. Replicas
 * starting together serialise on a session advisory lock, so each migration runs once.
 *
 * A lost database connection (a failover, a proxy cutting sessions while its health check
 * flaps) is retried for up to `retryForMs`: each migration runs in its own transaction and is
 * recorded when it commits, so running the rest again is safe. Other errors (a migration that
 * fails) are not retried. Found by the HA fault lab, where a cut connection during start-up
 * used to kill the process.
 */
export async function migrate(o: PersistenceOptions, log: (msg: string) => void = () => undefined, retryForMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + retryForMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 4000)) {
    try {
      return await migrateOnce(o, log);
    } catch (err) {
      if (!isTransientInfrastructureError(err) || Date.now() + delay > deadline) throw err;
      log(`migrations: the database connection failed (${(err as Error).message}); retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function migrateOnce(o: PersistenceOptions, log: (msg: string) => void): Promise<string[]> {
  const lock = new Client({ connectionString: o.url, application_name: `${o.schema}-migrate` });
  // pg emits 'error' on the client as well as failing the pending query; without a listener a
  // dropped connection is an uncaught exception. The query's rejection is what reports it.
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${o.schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${o.schema}"`);
    const ds = new DataSource(dataSourceOptions({ ...o, poolSize: 2 }));
    await ds.initialize();
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      for (const m of ran) log(`applied migration ${m.name}`);
      return ran.map((m) => m.name);
    } finally {
      await ds.destroy().catch(() => undefined);
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${o.schema}`]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}
