import type { DataSource, EntityManager } from 'typeorm';
import type { Currency } from '../domain/money';
import { one, rows, single } from '../shared/db';

export type RefundStatus = 'pending' | 'submitted' | 'succeeded' | 'failed' | 'needs_review';

export interface RefundRow {
  id: string;
  payment_id: string;
  escrow_id: string | null;
  booking_id: string;
  tx_ref: string;
  reference: string;
  amount_minor: string;
  currency: Currency;
  full_refund: boolean;
  reason: string;
  source: 'escrow' | 'suspense';
  status: RefundStatus;
  chapa_ref_id: string | null;
  chapa_amount_minor: string | null;
  attempts: number;
  last_error: string | null;
  lease_token: string | null;
  created_at: Date;
  updated_at: Date;
  settled_at: Date | null;
}

type Db = DataSource | EntityManager;

export interface NewRefund {
  id: string;
  paymentId: string;
  escrowId: string | null;
  bookingId: string;
  txRef: string;
  reference: string;
  amountMinor: number;
  currency: Currency;
  fullRefund: boolean;
  reason: string;
  now: Date;
}

export async function insertRefund(em: EntityManager, r: NewRefund): Promise<void> {
  await em.query(
    `INSERT INTO payments.refunds (id, payment_id, escrow_id, booking_id, tx_ref, reference, amount_minor, currency, full_refund, reason,
                                   status, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $11, $11)`,
    [r.id, r.paymentId, r.escrowId, r.bookingId, r.txRef, r.reference, r.amountMinor, r.currency, r.fullRefund, r.reason, r.now],
  );
}

export function markSourceSuspense(em: EntityManager, id: string): Promise<RefundRow> {
  return single<RefundRow>(em, `UPDATE payments.refunds SET source = 'suspense' WHERE id = $1 RETURNING *`, [id]);
}

export function openRefundsOfTxRef(db: Db, txRef: string): Promise<Array<{ id: string }>> {
  return rows<{ id: string }>(db, `SELECT id FROM payments.refunds WHERE tx_ref = $1 AND status IN ('pending', 'submitted')`, [txRef]);
}

export function refundsOfEscrow(
  db: Db,
  escrowId: string,
): Promise<Array<{ id: string; amount_minor: string; currency: 'ETB' | 'USD'; status: RefundStatus; reason: string; created_at: Date; settled_at: Date | null }>> {
  return rows(db, `SELECT id, amount_minor, currency, status, reason, created_at, settled_at FROM payments.refunds WHERE escrow_id = $1 ORDER BY created_at`, [
    escrowId,
  ]);
}

export function countNeedingAttention(db: Db): Promise<Array<{ status: string; n: number }>> {
  return rows<{ status: string; n: number }>(
    db,
    `SELECT status, count(*)::int AS n FROM payments.refunds WHERE status IN ('failed', 'needs_review') GROUP BY status`,
  );
}

/** Claims one due refund alone, with a lease until `leaseUntil` and a fresh lease token. */
export async function claimDueRefund(em: EntityManager, now: Date, leaseUntil: Date, leaseToken: string): Promise<RefundRow | undefined> {
  const [r] = await rows<RefundRow>(
    em,
    `WITH due AS (
       SELECT id FROM payments.refunds
        WHERE status IN ('pending', 'submitted') AND next_attempt_at <= $1
        ORDER BY next_attempt_at
        LIMIT 1
          FOR UPDATE SKIP LOCKED
     )
     UPDATE payments.refunds r
        SET attempts = r.attempts + 1, next_attempt_at = $2, lease_token = $3, updated_at = $1
       FROM due WHERE r.id = due.id
     RETURNING r.*`,
    [now, leaseUntil, leaseToken],
  );
  return r;
}

export function lockRefund(em: EntityManager, id: string): Promise<RefundRow | undefined> {
  return one<RefundRow>(em, `SELECT * FROM payments.refunds WHERE id = $1 FOR UPDATE`, [id]);
}

export async function markRefundSucceeded(em: EntityManager, id: string, chapaRefId: string | null, now: Date): Promise<void> {
  await em.query(
    `UPDATE payments.refunds SET status = 'succeeded', settled_at = $2, last_error = NULL, updated_at = $2,
            chapa_ref_id = COALESCE($3, chapa_ref_id), chapa_amount_minor = amount_minor
      WHERE id = $1`,
    [id, now, chapaRefId],
  );
}

export function resetForRetry(em: EntityManager, id: string, next: RefundStatus, now: Date): Promise<RefundRow> {
  return single<RefundRow>(
    em,
    `UPDATE payments.refunds SET status = $2, attempts = 0, next_attempt_at = $3, lease_token = NULL, updated_at = $3
      WHERE id = $1 RETURNING *`,
    [id, next, now],
  );
}

// ---- writes of a refund run: each only while the run still holds the row's lease ----
// (`WHERE id = $1 AND lease_token = $2`); each returns whether it wrote.

type Leased = Pick<RefundRow, 'id' | 'lease_token'>;

async function writeLeased(em: EntityManager, r: Leased, sql: string, params: unknown[]): Promise<boolean> {
  const result = await rows<unknown>(em, `${sql} RETURNING id`, [r.id, r.lease_token, ...params]);
  return result.length > 0;
}

export function saveSubmitted(em: EntityManager, r: Leased, refId: string | null, reported: number | null, now: Date): Promise<boolean> {
  return writeLeased(
    em,
    r,
    `UPDATE payments.refunds SET status = 'submitted', chapa_ref_id = $3, chapa_amount_minor = $4, last_error = NULL, updated_at = $5
      WHERE id = $1 AND lease_token = $2 AND status = 'pending'`,
    [refId, reported, now],
  );
}

export function saveNeedsReview(em: EntityManager, r: Leased, reported: number | null, detail: string, now: Date): Promise<boolean> {
  return writeLeased(
    em,
    r,
    `UPDATE payments.refunds SET status = 'needs_review', chapa_amount_minor = COALESCE($3, chapa_amount_minor), last_error = $4, updated_at = $5
      WHERE id = $1 AND lease_token = $2 AND status IN ('pending', 'submitted')`,
    [reported, detail, now],
  );
}

export function saveGaveUp(em: EntityManager, r: Leased, message: string, now: Date): Promise<boolean> {
  return writeLeased(em, r, `UPDATE payments.refunds SET status = 'failed', last_error = $3, updated_at = $4 WHERE id = $1 AND lease_token = $2`, [
    message,
    now,
  ]);
}

export function saveRetryLater(
  em: EntityManager,
  r: Leased,
  s: { status: 'pending' | 'submitted'; newReference: string | null; error: string | null; nextAttemptAt: Date; now: Date },
): Promise<boolean> {
  return writeLeased(
    em,
    r,
    `UPDATE payments.refunds
        SET status = $3, reference = COALESCE($4, reference), last_error = COALESCE($5, last_error), next_attempt_at = $6, updated_at = $7,
            chapa_ref_id = CASE WHEN $4::text IS NULL THEN chapa_ref_id END,
            chapa_amount_minor = CASE WHEN $4::text IS NULL THEN chapa_amount_minor END
      WHERE id = $1 AND lease_token = $2 AND status IN ('pending', 'submitted')`,
    [s.status, s.newReference, s.error, s.nextAttemptAt, s.now],
  );
}

/** Newest first by status; cursor `(created µs, id)`. */
export function listRefundsPage(
  db: Db,
  q: { statuses: string[]; afterMicros: string | null; afterId: string | null; limit: number },
): Promise<Array<RefundRow & { created_micros: string }>> {
  return rows<RefundRow & { created_micros: string }>(
    db,
    `SELECT r.*, (extract(epoch FROM r.created_at) * 1000000)::bigint::text AS created_micros
       FROM payments.refunds r
      WHERE r.status = ANY($1::text[])
        AND ($2::bigint IS NULL OR ((extract(epoch FROM r.created_at) * 1000000)::bigint, r.id) < ($2::bigint, $3::uuid))
      ORDER BY (extract(epoch FROM r.created_at) * 1000000)::bigint DESC, r.id DESC
      LIMIT $4`,
    [q.statuses, q.afterMicros, q.afterId, q.limit],
  );
}
