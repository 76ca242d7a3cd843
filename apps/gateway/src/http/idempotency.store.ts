import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pruneInBatches } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';

export interface IdempotencyScope {
  userId: string;
  method: string;
  path: string;
  key: string;
}

export interface StoredResponse {
  status: number;
  contentType: string | null;
  body: string | null;
}

export type ClaimResult =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in_progress' }
  | { kind: 'mismatch' };

/**
 * How long a claim may stay `in_progress` before another request may take it over: a process
 * that died mid-request must not block the key until retention ends.
 */
const ABANDONED_AFTER_MS = 60_000;

/**
 * The first answer to each (user, method, path, Idempotency-Key), kept for the retention
 * period. A claim is a row inserted `in_progress`; the unique key makes concurrent duplicates
 * lose the insert and see it in progress. Expired records are treated as absent.
 */
@Injectable()
export class IdempotencyStore {
  constructor(
    @Inject(DataSource) private readonly ds: DataSource,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly clock: Clock,
  ) {}

  async claim(scope: IdempotencyScope, requestHash: string): Promise<ClaimResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + this.config.IDEMPOTENCY_RETENTION_HOURS * 3_600_000);
      const abandonedBefore = new Date(now.getTime() - ABANDONED_AFTER_MS);
      const claimed = (await this.ds.query(
        `INSERT INTO identity.idempotency_keys AS k (user_id, method, path, key, request_hash, state, created_at, locked_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, $6, $7)
         ON CONFLICT (user_id, method, path, key) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, state = 'in_progress', status_code = NULL, content_type = NULL,
                response_body = NULL, created_at = EXCLUDED.created_at, locked_at = EXCLUDED.locked_at,
                completed_at = NULL, expires_at = EXCLUDED.expires_at
          WHERE k.expires_at <= $6
             OR (k.state = 'in_progress' AND k.locked_at < $8 AND k.request_hash = EXCLUDED.request_hash)
         RETURNING 1`,
        [scope.userId, scope.method, scope.path, scope.key, requestHash, now, expiresAt, abandonedBefore],
      )) as unknown[];
      if (claimed.length > 0) return { kind: 'claimed' };

      const [row] = (await this.ds.query(
        `SELECT request_hash, state, status_code, content_type, response_body FROM identity.idempotency_keys
          WHERE user_id = $1 AND method = $2 AND path = $3 AND key = $4`,
        [scope.userId, scope.method, scope.path, scope.key],
      )) as Array<{ request_hash: string; state: string; status_code: number | null; content_type: string | null; response_body: string | null }>;
      if (!row) continue; // released (a 5xx) between our insert and select: try again
      if (row.request_hash !== requestHash) return { kind: 'mismatch' };
      if (row.state === 'in_progress') return { kind: 'in_progress' };
      return { kind: 'replay', response: { status: row.status_code ?? 200, contentType: row.content_type, body: row.response_body } };
    }
    return { kind: 'in_progress' };
  }

  async complete(scope: IdempotencyScope, response: StoredResponse): Promise<void> {
    await this.ds.query(
      `UPDATE identity.idempotency_keys SET state = 'completed', status_code = $5, content_type = $6, response_body = $7, completed_at = $8
        WHERE user_id = $1 AND method = $2 AND path = $3 AND key = $4 AND state = 'in_progress'`,
      [scope.userId, scope.method, scope.path, scope.key, response.status, response.contentType, response.body, this.clock.now()],
    );
  }

  /** Forgets a claim whose answer must not be replayed (5xx, 429): a retry runs again. */
  async release(scope: IdempotencyScope): Promise<void> {
    await this.ds.query(
      `DELETE FROM identity.idempotency_keys WHERE user_id = $1 AND method = $2 AND path = $3 AND key = $4 AND state = 'in_progress'`,
      [scope.userId, scope.method, scope.path, scope.key],
    );
  }

  /**
   * Deletes expired records in small batches; replicas running it together skip each other's
   * rows. Counted in retention_rows_deleted_total{table="identity.idempotency_keys"}.
   */
  deleteExpired(batchSize = 1000): Promise<number> {
    return pruneInBatches(this.ds, { table: 'identity.idempotency_keys', due: 'expires_at <= $1', params: [this.clock.now()], batchSize });
  }
}
