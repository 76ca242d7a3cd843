import type { DataSource, EntityManager } from 'typeorm';
import { PG, pgCode } from '@tutorhub/persistence';

/**
 * A short transaction, retried when Postgres aborts it for a deadlock or a serialization
 * failure (both are safe to retry: nothing committed). Never call Chapa inside one.
 */
export async function inTransaction<T>(ds: DataSource, fn: (em: EntityManager) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ds.transaction(fn);
    } catch (err) {
      const code = pgCode(err);
      const retryable = code === PG.deadlockDetected || code === PG.serializationFailure;
      if (!retryable || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20));
    }
  }
}

/** Postgres bigint arrives as a string; money is a safe integer or a bug (libs/platform money). */
export { minor } from '@tutorhub/platform';

export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value).toISOString();
}

/** Rows of `em.query`, typed by the caller (the SQL decides the shape). */
export async function rows<T>(em: EntityManager | DataSource, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await em.query(sql, params);
  // TypeORM answers UPDATE/DELETE … RETURNING with [rows, rowCount] instead of rows.
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

export async function one<T>(em: EntityManager | DataSource, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const r = await rows<T>(em, sql, params);
  return r[0];
}

/** Exactly one row (an INSERT … RETURNING, a row we hold a lock on); anything else is a bug. */
export async function single<T>(em: EntityManager | DataSource, sql: string, params: unknown[] = []): Promise<T> {
  const row = await one<T>(em, sql, params);
  if (row === undefined) throw new Error('expected a row, got none');
  return row;
}

export function isoOf(value: Date | string): string {
  return new Date(value).toISOString();
}
