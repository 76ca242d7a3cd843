import type { DataSource, EntityManager } from 'typeorm';
import type { EscrowStatus } from '../domain/escrow-status';
import type { Currency } from '../domain/money';
import type { RefundSplit } from '../domain/refund-split';
import { one, rows, single } from '../shared/db';

export interface EscrowRow {
  id: string;
  booking_id: string;
  payment_id: string;
  student_id: string;
  tutor_id: string;
  amount_minor: string;
  currency: Currency;
  status: EscrowStatus;
  held_at: Date;
  release_at: Date | null;
  frozen_at: Date | null;
  released_at: Date | null;
  refunded_at: Date | null;
  refund_minor: string | null;
  tutor_minor: string | null;
  fee_minor: string | null;
  settle_reason: string | null;
  version: number;
}

export function lockEscrowByBooking(em: EntityManager, bookingId: string): Promise<EscrowRow | undefined> {
  return one<EscrowRow>(em, `SELECT * FROM payments.escrows WHERE booking_id = $1 FOR UPDATE`, [bookingId]);
}

export function findEscrowByBooking(em: EntityManager, bookingId: string): Promise<EscrowRow | undefined> {
  return one<EscrowRow>(em, `SELECT * FROM payments.escrows WHERE booking_id = $1`, [bookingId]);
}

export function findEscrowByBookingIn(db: DataSource | EntityManager, bookingId: string): Promise<EscrowRow | undefined> {
  return one<EscrowRow>(db, `SELECT * FROM payments.escrows WHERE booking_id = $1`, [bookingId]);
}

export interface AuditInput {
  bookingId: string;
  escrowId: string | null;
  action: string;
  outcome: 'applied' | 'ignored';
  fromStatus: string | null;
  toStatus: string | null;
  source: string;
  detail?: Record<string, unknown>;
}

export async function insertAudit(em: EntityManager, a: AuditInput): Promise<void> {
  await em.query(
    `INSERT INTO payments.escrow_audit (booking_id, escrow_id, action, outcome, from_status, to_status, source, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [a.bookingId, a.escrowId, a.action, a.outcome, a.fromStatus, a.toStatus, a.source, JSON.stringify(a.detail ?? {})],
  );
}

export function insertHeldEscrow(
  em: EntityManager,
  e: { id: string; bookingId: string; paymentId: string; studentId: string; tutorId: string; amountMinor: number; currency: Currency; now: Date },
): Promise<EscrowRow> {
  return single<EscrowRow>(
    em,
    `INSERT INTO payments.escrows (id, booking_id, payment_id, student_id, tutor_id, amount_minor, currency, status, held_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'held', $8, $8)
     RETURNING *`,
    [e.id, e.bookingId, e.paymentId, e.studentId, e.tutorId, e.amountMinor, e.currency, e.now],
  );
}

export async function markReleaseScheduled(em: EntityManager, id: string, next: EscrowStatus, releaseAt: Date, now: Date): Promise<void> {
  await em.query(`UPDATE payments.escrows SET status = $2, release_at = $3, version = version + 1, updated_at = $4 WHERE id = $1`, [
    id,
    next,
    releaseAt,
    now,
  ]);
}

export async function markFrozen(em: EntityManager, id: string, next: EscrowStatus, now: Date): Promise<void> {
  await em.query(`UPDATE payments.escrows SET status = $2, frozen_at = $3, version = version + 1, updated_at = $3 WHERE id = $1`, [id, next, now]);
}

export async function markSettled(
  em: EntityManager,
  id: string,
  s: { next: EscrowStatus; split: RefundSplit; released: boolean; refunded: boolean; now: Date; reason: string },
): Promise<void> {
  await em.query(
    `UPDATE payments.escrows
        SET status = $2, refund_minor = $3, tutor_minor = $4, fee_minor = $5,
            released_at = CASE WHEN $6::boolean THEN $8::timestamptz ELSE released_at END,
            refunded_at = CASE WHEN $7::boolean THEN $8::timestamptz ELSE refunded_at END,
            settle_reason = $9, version = version + 1, updated_at = $8
      WHERE id = $1`,
    [id, s.next, s.split.refundAmount, s.split.releasedToTutor, s.split.platformFee, s.released, s.refunded, s.now, s.reason],
  );
}

// ---- the release job: set-based, one statement per step for a whole batch ----

export type ClaimedForRelease = Pick<EscrowRow, 'id' | 'booking_id' | 'payment_id' | 'student_id' | 'tutor_id' | 'amount_minor' | 'currency'>;

/**
 * Up to `limit` due escrows, locked; SKIP LOCKED keeps replicas (and manual settlements) apart.
 * `slice` k of n claims only escrows whose tutor hashes to k, so the n workers of one run never
 * post to the same tutor wallet at once and their balance updates do not queue on each other's
 * row locks (a wallet is locked from its batch's posting to its commit).
 */
export function claimDueForRelease(
  em: EntityManager,
  now: Date,
  limit: number,
  slice: { index: number; of: number } = { index: 0, of: 1 },
): Promise<ClaimedForRelease[]> {
  return rows<ClaimedForRelease>(
    em,
    `SELECT id, booking_id, payment_id, student_id, tutor_id, amount_minor, currency
       FROM payments.escrows
      WHERE status = 'release_scheduled' AND release_at <= $1
        AND (hashtext(tutor_id::text) & 2147483647) % $4 = $3
      ORDER BY release_at
      LIMIT $2
        FOR UPDATE SKIP LOCKED`,
    [now, limit, slice.index, slice.of],
  );
}

/** Marks a claimed batch released in one statement; returns how many rows it changed. */
export async function markReleasedBatch(
  em: EntityManager,
  batch: { ids: string[]; tutorMinor: number[]; feeMinor: number[]; now: Date; next: EscrowStatus },
): Promise<number> {
  const updated = await rows<{ n: number }>(
    em,
    `WITH u AS (
       UPDATE payments.escrows e
          SET status = $5, refund_minor = 0, tutor_minor = x.tutor, fee_minor = x.fee,
              released_at = $4, settle_reason = 'release_due', version = e.version + 1, updated_at = $4
         FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS x(id, tutor, fee)
        WHERE e.id = x.id AND e.status = 'release_scheduled'
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM u`,
    [batch.ids, batch.tutorMinor, batch.feeMinor, batch.now, batch.next],
  );
  return updated[0].n;
}

export async function auditReleasedBatch(em: EntityManager, bookingIds: string[], escrowIds: string[], next: EscrowStatus): Promise<void> {
  await em.query(
    `INSERT INTO payments.escrow_audit (booking_id, escrow_id, action, outcome, from_status, to_status, source)
     SELECT b, e, 'release', 'applied', 'release_scheduled', $3, 'release_job' FROM unnest($1::uuid[], $2::uuid[]) AS x(b, e)`,
    [bookingIds, escrowIds, next],
  );
}

// ---- reads for operators and metrics ----

export function escrowTotalsByStatus(db: DataSource, now: Date): Promise<Array<{ status: string; currency: 'ETB' | 'USD'; n: number; total: string }>> {
  return rows(
    db,
    `SELECT status, currency, count(*)::int AS n, sum(amount_minor) AS total FROM payments.escrows GROUP BY status, currency
     UNION ALL
     SELECT 'due_now', currency, count(*)::int, sum(amount_minor) FROM payments.escrows
      WHERE status = 'release_scheduled' AND release_at <= $1 GROUP BY currency`,
    [now],
  );
}

// Every metrics query is an index scan over the rows it is about: escrows_due_idx,
// escrows_open_idx, escrows_released_at_idx.

export function oldestDueRelease(db: DataSource, now: Date): Promise<Array<{ release_at: Date }>> {
  return rows<{ release_at: Date }>(
    db,
    `SELECT release_at FROM payments.escrows WHERE status = 'release_scheduled' AND release_at <= $1 ORDER BY release_at LIMIT 1`,
    [now],
  );
}

export function countDueReleases(db: DataSource, now: Date, cap: number): Promise<Array<{ n: number }>> {
  return rows<{ n: number }>(
    db,
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM payments.escrows WHERE status = 'release_scheduled' AND release_at <= $1 LIMIT ${cap}) x`,
    [now],
  );
}

export function heldByCurrency(db: DataSource): Promise<Array<{ currency: string; total: string }>> {
  return rows<{ currency: string; total: string }>(
    db,
    `SELECT currency, sum(amount_minor)::text AS total FROM payments.escrows
      WHERE status IN ('held', 'release_scheduled', 'frozen') GROUP BY currency`,
  );
}

export function releasedLastHourByCurrency(db: DataSource, now: Date): Promise<Array<{ currency: string; total: string }>> {
  return rows<{ currency: string; total: string }>(
    db,
    `SELECT currency, sum(tutor_minor + fee_minor)::text AS total FROM payments.escrows
      WHERE released_at IS NOT NULL AND released_at > $1::timestamptz - interval '1 hour' AND released_at <= $1
      GROUP BY currency`,
    [now],
  );
}
