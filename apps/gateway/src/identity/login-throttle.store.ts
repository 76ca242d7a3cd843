import type { DataSource, EntityManager } from 'typeorm';
import { pruneInBatches } from '@tutorhub/messaging';

/**
 * All SQL of the login throttle (ADR 0015): `identity.login_throttle` (one counter per key) and
 * `identity.login_known_clients`. `em` may be a transaction's manager or `dataSource.manager`.
 */

export interface ThrottleRow {
  key: Buffer;
  failures: number;
  last_attempt_at: Date;
  blocked_until: Date | null;
}

/**
 * The key's row, created if missing and locked until commit (a no-op DO UPDATE locks the row
 * it conflicts with, even one the cleanup pass is deleting).
 */
export async function upsertAndLock(em: EntityManager, key: Buffer, now: Date): Promise<ThrottleRow> {
  const [row] = (await em.query(
    `INSERT INTO identity.login_throttle AS t (key, failures, last_attempt_at) VALUES ($1, 0, $2)
     ON CONFLICT (key) DO UPDATE SET failures = t.failures
     RETURNING key, failures, last_attempt_at, blocked_until`,
    [key, now],
  )) as ThrottleRow[];
  if (!row) throw new Error('login_throttle upsert returned no row');
  return row;
}

export async function recordAttempt(em: EntityManager, key: Buffer, failures: number, now: Date, blockedUntil: Date | null): Promise<void> {
  await em.query(`UPDATE identity.login_throttle SET failures = $2, last_attempt_at = $3, blocked_until = $4 WHERE key = $1`, [
    key,
    failures,
    now,
    blockedUntil,
  ]);
}

export async function deleteKey(em: EntityManager, key: Buffer): Promise<void> {
  await em.query(`DELETE FROM identity.login_throttle WHERE key = $1`, [key]);
}

export async function takeBackOneFailure(em: EntityManager, key: Buffer): Promise<void> {
  await em.query(`UPDATE identity.login_throttle SET failures = GREATEST(failures - 1, 0) WHERE key = $1`, [key]);
}

export async function rememberKnownClient(em: EntityManager, accountKey: Buffer, client: string, now: Date): Promise<void> {
  await em.query(
    `INSERT INTO identity.login_known_clients (account_key, client, last_success_at) VALUES ($1, $2, $3)
     ON CONFLICT (account_key, client) DO UPDATE SET last_success_at = EXCLUDED.last_success_at`,
    [accountKey, client, now],
  );
}

export async function isKnownClient(em: EntityManager, accountKey: Buffer, client: string, since: Date): Promise<boolean> {
  const [row] = (await em.query(`SELECT 1 FROM identity.login_known_clients WHERE account_key = $1 AND client = $2 AND last_success_at > $3`, [
    accountKey,
    client,
    since,
  ])) as unknown[];
  return row !== undefined;
}

/**
 * Retention (docs/operations.md "Data retention"): counters last touched before `forgetBefore`
 * and not blocked past `now`, then known clients not seen since `knownSince`. Through
 * `pruneInBatches` like every retention delete: batches that skip the rows a login holds
 * locked (replica-safe), counted in retention_rows_deleted_total.
 */
export async function pruneExpired(
  ds: DataSource,
  at: { forgetBefore: Date; now: Date; knownSince: Date },
  batchSize: number,
): Promise<{ counters: number; knownClients: number }> {
  const counters = await pruneInBatches(ds, {
    table: 'identity.login_throttle',
    due: 'last_attempt_at < $1 AND (blocked_until IS NULL OR blocked_until < $2)',
    params: [at.forgetBefore, at.now],
    batchSize,
  });
  const knownClients = await pruneInBatches(ds, { table: 'identity.login_known_clients', due: 'last_success_at < $1', params: [at.knownSince], batchSize });
  return { counters, knownClients };
}
