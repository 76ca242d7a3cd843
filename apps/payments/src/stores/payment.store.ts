import type { DataSource, EntityManager } from 'typeorm';
import type { Currency } from '../domain/money';
import { one, rows, single } from '../shared/db';

export type PaymentStatus = 'initiated' | 'succeeded' | 'failed' | 'flagged' | 'refunded';

export interface PaymentRow {
  id: string;
  booking_id: string;
  student_id: string;
  tutor_id: string;
  tx_ref: string;
  amount_minor: string;
  currency: Currency;
  status: PaymentStatus;
  checkout_url: string | null;
  chapa_reference: string | null;
  verified_at: Date | null;
  failure_reason: string | null;
  /** What Chapa says it received, for a flagged payment (the suspense account holds it). */
  received_minor: string | null;
  received_currency: Currency | null;
  created_at: Date;
}

type Db = DataSource | EntityManager;

export function findPayment(db: Db, id: string): Promise<PaymentRow | undefined> {
  return one<PaymentRow>(db, `SELECT * FROM payments.payments WHERE id = $1`, [id]);
}

export function findPaymentByTxRef(db: Db, txRef: string): Promise<PaymentRow | undefined> {
  return one<PaymentRow>(db, `SELECT * FROM payments.payments WHERE tx_ref = $1`, [txRef]);
}

export function lockPayment(em: EntityManager, id: string): Promise<PaymentRow | undefined> {
  return one<PaymentRow>(em, `SELECT * FROM payments.payments WHERE id = $1 FOR UPDATE`, [id]);
}

/** The payment, locked; a payment we know exists (anything else is a bug). */
export function lockKnownPayment(em: EntityManager, id: string): Promise<PaymentRow> {
  return single<PaymentRow>(em, `SELECT * FROM payments.payments WHERE id = $1 FOR UPDATE`, [id]);
}

export function lockLivePayment(em: EntityManager, bookingId: string): Promise<PaymentRow | undefined> {
  return one<PaymentRow>(em, `SELECT * FROM payments.payments WHERE booking_id = $1 AND status IN ('initiated', 'succeeded') FOR UPDATE`, [bookingId]);
}

export function lockOtherInitiated(em: EntityManager, bookingId: string, paymentId: string): Promise<PaymentRow[]> {
  return rows<PaymentRow>(em, `SELECT * FROM payments.payments WHERE booking_id = $1 AND id <> $2 AND status = 'initiated' FOR UPDATE`, [
    bookingId,
    paymentId,
  ]);
}

export function lockPaymentWithBooking(
  em: EntityManager,
  paymentId: string,
): Promise<(PaymentRow & { starts_at: Date | null; booking_status: string }) | undefined> {
  return one<PaymentRow & { starts_at: Date | null; booking_status: string }>(
    em,
    `SELECT p.*, b.starts_at, b.status AS booking_status FROM payments.payments p JOIN payments.bookings b USING (booking_id)
      WHERE p.id = $1 FOR UPDATE OF p`,
    [paymentId],
  );
}

/** The booking's payment to show: the live one, else the newest. */
export function latestPaymentOfBooking(db: Db, bookingId: string): Promise<PaymentRow | undefined> {
  return one<PaymentRow>(
    db,
    `SELECT * FROM payments.payments WHERE booking_id = $1
      ORDER BY (status IN ('initiated', 'succeeded')) DESC, created_at DESC LIMIT 1`,
    [bookingId],
  );
}

export function insertInitiatedPayment(
  em: EntityManager,
  p: { id: string; bookingId: string; studentId: string; tutorId: string; txRef: string; amountMinor: string | number; currency: Currency; now: Date },
): Promise<PaymentRow> {
  return single<PaymentRow>(
    em,
    `INSERT INTO payments.payments (id, booking_id, student_id, tutor_id, tx_ref, amount_minor, currency, status, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'initiated', $8, $8) RETURNING *`,
    [p.id, p.bookingId, p.studentId, p.tutorId, p.txRef, p.amountMinor, p.currency, p.now],
  );
}

export function saveCheckoutUrl(em: EntityManager, id: string, checkoutUrl: string, now: Date): Promise<PaymentRow> {
  return single<PaymentRow>(em, `UPDATE payments.payments SET checkout_url = $2, updated_at = $3 WHERE id = $1 AND status = 'initiated' RETURNING *`, [
    id,
    checkoutUrl,
    now,
  ]);
}

export async function stampChecked(em: EntityManager, id: string, now: Date): Promise<void> {
  await em.query(`UPDATE payments.payments SET last_checked_at = $2 WHERE id = $1`, [id, now]);
}

export async function markPaymentFailed(em: EntityManager, id: string, reason: string, now: Date): Promise<void> {
  await em.query(`UPDATE payments.payments SET status = 'failed', failure_reason = $2, updated_at = $3 WHERE id = $1`, [id, reason, now]);
}

export async function markPaymentFlagged(em: EntityManager, id: string, detail: string, chapaReference: string | null, now: Date): Promise<void> {
  await em.query(`UPDATE payments.payments SET status = 'flagged', failure_reason = $2, chapa_reference = $3, updated_at = $4 WHERE id = $1`, [
    id,
    detail,
    chapaReference,
    now,
  ]);
}

export async function markPaymentSucceeded(em: EntityManager, id: string, chapaReference: string | null, now: Date): Promise<void> {
  await em.query(
    `UPDATE payments.payments SET status = 'succeeded', verified_at = $2, chapa_reference = $3, failure_reason = NULL, updated_at = $2 WHERE id = $1`,
    [id, now, chapaReference],
  );
}

/** Straight to `refunded` (not a live status, so it never competes with a live payment). */
export async function markRefundedOnArrival(em: EntityManager, id: string, chapaReference: string | null, reason: string, now: Date): Promise<void> {
  await em.query(
    `UPDATE payments.payments SET status = 'refunded', verified_at = $2, chapa_reference = $3, failure_reason = $4, updated_at = $2 WHERE id = $1`,
    [id, now, chapaReference, reason],
  );
}

export async function markSucceededRefunded(em: EntityManager, id: string, now: Date): Promise<void> {
  await em.query(`UPDATE payments.payments SET status = 'refunded', updated_at = $2 WHERE id = $1 AND status = 'succeeded'`, [id, now]);
}

export function markPaymentRefunded(em: EntityManager, id: string, now: Date): Promise<PaymentRow> {
  return single<PaymentRow>(em, `UPDATE payments.payments SET status = 'refunded', updated_at = $2 WHERE id = $1 RETURNING *`, [id, now]);
}

export async function saveReceived(em: EntityManager, id: string, received: { amountMinor: number; currency: Currency }): Promise<void> {
  await em.query(`UPDATE payments.payments SET received_minor = $2, received_currency = $3 WHERE id = $1`, [id, received.amountMinor, received.currency]);
}

/** Claims payments still `initiated` past the cutoff, stamping `last_checked_at` (SKIP LOCKED: replicas share the work). */
export function claimForReconcile(em: EntityManager, cutoff: Date, now: Date): Promise<Array<{ tx_ref: string; id: string; checkout_url: string | null; created_at: Date }>> {
  return rows<{ tx_ref: string; id: string; checkout_url: string | null; created_at: Date }>(
    em,
    `WITH due AS (
       SELECT id FROM payments.payments
        WHERE status = 'initiated' AND created_at <= $1 AND (last_checked_at IS NULL OR last_checked_at <= $1)
        ORDER BY created_at
        LIMIT 200
          FOR UPDATE SKIP LOCKED
     )
     UPDATE payments.payments p SET last_checked_at = $2 FROM due WHERE p.id = due.id
     RETURNING p.id, p.tx_ref, p.checkout_url, p.created_at`,
    [cutoff, now],
  );
}

export function paymentSummaryByTxRef(db: Db, txRef: string): Promise<{ id: string; status: string; booking_id: string } | undefined> {
  return one<{ id: string; status: string; booking_id: string }>(db, `SELECT id, status, booking_id FROM payments.payments WHERE tx_ref = $1`, [txRef]);
}

/** A payment we know exists (anything else is a bug). */
export function findKnownPayment(db: Db, id: string): Promise<PaymentRow> {
  return single<PaymentRow>(db, `SELECT * FROM payments.payments WHERE id = $1`, [id]);
}
