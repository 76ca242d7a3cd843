import type { DataSource, EntityManager } from 'typeorm';
import type { Currency } from '../domain/money';
import { one, rows, single } from '../shared/db';

export interface PayoutRow {
  id: string;
  tutor_id: string;
  amount_minor: string;
  currency: Currency;
  status: 'pending' | 'submitted' | 'succeeded' | 'failed' | 'reversed';
  reference: string;
  bank_code: string;
  account_number: string;
  account_name: string;
  chapa_reference: string | null;
  failure_reason: string | null;
  attempts: number;
  created_at: Date;
}

type Db = DataSource | EntityManager;

/** The payout row, unless this tutor's idempotency key already has one (then no row: `[]`). */
export function insertPayout(
  em: EntityManager,
  p: {
    id: string;
    tutorId: string;
    amountMinor: number;
    currency: Currency;
    reference: string;
    bankCode: string;
    accountNumber: string;
    accountName: string;
    idempotencyKey: string | null;
    now: Date;
  },
): Promise<Array<{ id: string }>> {
  return rows<{ id: string }>(
    em,
    `INSERT INTO payments.payouts (id, tutor_id, amount_minor, currency, status, reference, bank_code, account_number, account_name,
                                   idempotency_key, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $10, $10)
     ON CONFLICT (tutor_id, idempotency_key) DO NOTHING
     RETURNING id`,
    [p.id, p.tutorId, p.amountMinor, p.currency, p.reference, p.bankCode, p.accountNumber, p.accountName, p.idempotencyKey, p.now],
  );
}

export function payoutIdByKey(em: EntityManager, tutorId: string, idempotencyKey: string | undefined): Promise<{ id: string }> {
  return single<{ id: string }>(em, `SELECT id FROM payments.payouts WHERE tutor_id = $1 AND idempotency_key = $2`, [tutorId, idempotencyKey]);
}

export function findKnownPayout(db: Db, id: string): Promise<PayoutRow> {
  return single<PayoutRow>(db, `SELECT * FROM payments.payouts WHERE id = $1`, [id]);
}

export function findPayoutByReference(db: Db, reference: string): Promise<PayoutRow | undefined> {
  return one<PayoutRow>(db, `SELECT * FROM payments.payouts WHERE reference = $1`, [reference]);
}

export function lockPayout(em: EntityManager, id: string): Promise<PayoutRow | undefined> {
  return one<PayoutRow>(em, `SELECT * FROM payments.payouts WHERE id = $1 FOR UPDATE`, [id]);
}

export async function markPayoutSubmitted(em: EntityManager, id: string, chapaReference: string | null, nextAttemptAt: Date, now: Date): Promise<void> {
  await em.query(
    `UPDATE payments.payouts SET status = 'submitted', chapa_reference = COALESCE($2, chapa_reference), last_error = NULL,
            next_attempt_at = $3, updated_at = $4
      WHERE id = $1 AND status = 'pending'`,
    [id, chapaReference, nextAttemptAt, now],
  );
}

export async function markPayoutReversed(em: EntityManager, id: string, reason: string, now: Date): Promise<void> {
  await em.query(`UPDATE payments.payouts SET status = 'reversed', failure_reason = $2, reversed_at = $3, updated_at = $3 WHERE id = $1`, [id, reason, now]);
}

export async function markPayoutSettled(em: EntityManager, id: string, outcome: 'succeeded' | 'failed', reason: string | null, now: Date): Promise<void> {
  await em.query(`UPDATE payments.payouts SET status = $2, failure_reason = $3, settled_at = $4, updated_at = $4 WHERE id = $1`, [id, outcome, reason, now]);
}

/** Asks again later, with exponential backoff on the attempts so far (capped at an hour). */
export async function deferPayout(em: EntityManager, id: string, error: string | null, now: Date): Promise<void> {
  await em.query(
    `UPDATE payments.payouts
        SET last_error = COALESCE($2, last_error),
            next_attempt_at = $3::timestamptz + make_interval(secs => least(3600, 30 * power(2, least(attempts, 10)))),
            updated_at = $3
      WHERE id = $1 AND status IN ('pending', 'submitted')`,
    [id, error, now],
  );
}

/** Claims one due open payout alone, with a lease until `leaseUntil`. */
export async function claimDuePayout(em: EntityManager, now: Date, leaseUntil: Date): Promise<PayoutRow | undefined> {
  const [p] = await rows<PayoutRow>(
    em,
    `WITH due AS (
       SELECT id FROM payments.payouts
        WHERE status IN ('pending', 'submitted') AND next_attempt_at <= $1
        ORDER BY next_attempt_at LIMIT 1
          FOR UPDATE SKIP LOCKED
     )
     UPDATE payments.payouts p SET attempts = p.attempts + 1, next_attempt_at = $2, updated_at = $1
       FROM due WHERE p.id = due.id
     RETURNING p.*`,
    [now, leaseUntil],
  );
  return p;
}
