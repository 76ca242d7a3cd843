import type { DataSource } from 'typeorm';
import { counter } from '@tutorhub/platform';

const deleted = counter('retention_rows_deleted_total', 'Rows deleted by data retention, by table (schema.table)', ['table']);

/**
 * The only tables retention may delete from (docs/operations.md "Data retention"): every
 * service's outbox and inbox, and the named expiring tables below. Anything else, above all the
 * payments ledger, escrows and their audit, payouts, refunds and Chapa webhook records, is
 * never pruned; `pruneInBatches` refuses it so a mistake cannot reach them.
 */
const PRUNABLE = new Set([
  'identity.idempotency_keys',
  'identity.refresh_tokens',
  'identity.refresh_token_families',
  'identity.login_throttle',
  'identity.login_known_clients',
  'notifications.notifications',
  'notifications.deliveries',
]);
const MESSAGING_TABLE = /^[a-z_][a-z0-9_]*\.(outbox|inbox)$/;

export function isPrunable(table: string): boolean {
  return PRUNABLE.has(table) || MESSAGING_TABLE.test(table);
}

export interface PruneSpec {
  /** `schema.table`; must be one of the prunable tables. */
  table: string;
  /** Which rows are due: a fixed SQL condition on the table's columns, values as $1, $2, …. */
  due: string;
  params: unknown[];
  batchSize: number;
}

/**
 * Deletes the rows matching `due`, at most `batchSize` per statement, each statement its own
 * short transaction, until a batch comes back short. Replica-safe: each batch locks what it
 * deletes with FOR UPDATE SKIP LOCKED, so replicas running at once take different rows, and the
 * count is what this statement really deleted (a row another replica took is not counted twice).
 * Increments retention_rows_deleted_total{table} per batch; returns the total.
 */
export async function pruneInBatches(ds: DataSource, spec: PruneSpec): Promise<number> {
  if (!isPrunable(spec.table)) throw new Error(`retention refuses to delete from ${spec.table}: not a prunable table`);
  const [schema, name] = spec.table.split('.');
  const t = `"${schema}"."${name}"`;
  const limit = `$${spec.params.length + 1}`;
  let total = 0;
  for (;;) {
    const result = (await ds.query(
      `DELETE FROM ${t} WHERE ctid IN (SELECT ctid FROM ${t} WHERE ${spec.due} LIMIT ${limit} FOR UPDATE SKIP LOCKED)`,
      [...spec.params, spec.batchSize],
    )) as [unknown[], number];
    const n = result[1] ?? 0;
    if (n > 0) deleted.inc({ table: spec.table }, n);
    total += n;
    if (n < spec.batchSize) return total;
  }
}

export interface MessagingRetentionSettings {
  outboxRetentionHours: number;
  inboxRetentionHours: number;
  batchSize: number;
}

/**
 * Prunes one service's messaging tables. Times are the database's (`now()`), because the relay
 * stamps published_at and the consumer processed_at with the database clock.
 * - outbox: published rows only, older than the outbox retention. An unpublished row is never
 *   deleted whatever its age: it is an event still owed to the other services.
 * - inbox: ids processed longer ago than the inbox retention. The consumer refuses events older
 *   than that (minus a margin), so a pruned id can never meet its event again.
 */
export async function pruneMessagingTables(ds: DataSource, schema: string, s: MessagingRetentionSettings): Promise<{ outbox: number; inbox: number }> {
  const outbox = await pruneInBatches(ds, {
    table: `${schema}.outbox`,
    due: `published_at IS NOT NULL AND published_at < now() - make_interval(hours => $1)`,
    params: [s.outboxRetentionHours],
    batchSize: s.batchSize,
  });
  const inbox = await pruneInBatches(ds, {
    table: `${schema}.inbox`,
    due: `processed_at < now() - make_interval(hours => $1)`,
    params: [s.inboxRetentionHours],
    batchSize: s.batchSize,
  });
  return { outbox, inbox };
}
