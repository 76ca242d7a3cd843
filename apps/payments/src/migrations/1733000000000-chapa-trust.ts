import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13 (defects 5–7): Chapa's word is checked before money is booked, money that arrived
 * with a mismatch gets a way back, and the refund processor's lease covers its work.
 *
 * - ledger: a `suspense` account kind (credit-normal: money at Chapa we cannot attribute yet —
 *   a payment whose verify disagreed with what we expected, keyed by the payment), and the
 *   postings `payment_suspended` (cash ↑ / suspense ↑), `suspense_refunded` (suspense →
 *   refunds_payable) and `payout_reversed` (cash ↑ / tutor wallet ↑: the bank returned a paid
 *   transfer);
 * - payments: what Chapa says it received (`received_minor`, `received_currency`) for a
 *   flagged payment;
 * - refunds: `needs_review` (Chapa reported another amount or another refund than the one we
 *   asked for: nothing is booked, an operator decides), what Chapa reported
 *   (`chapa_amount_minor`), where the money came from (`source`), and a lease token so a processor whose lease ran out cannot write
 *   over the replica that took the row over;
 * - payouts: `reversed` (final), and the same lease token;
 * - `admin_actions`: who did what by hand (refund retries, refunds of flagged payments).
 */
export class ChapaTrust1733000000000 implements MigrationInterface {
  name = 'ChapaTrust1733000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of UP) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of DOWN) await q.query(sql);
  }
}

const UP = [
  `ALTER TABLE payments.ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check`,
  `ALTER TABLE payments.ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
     CHECK (kind IN ('platform_cash', 'escrow', 'tutor_payable', 'platform_revenue', 'refunds_payable', 'payouts_in_flight', 'suspense'))`,
  `ALTER TABLE payments.ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check`,
  `ALTER TABLE payments.ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
     CHECK (kind IN ('payment_captured', 'escrow_released', 'escrow_refunded', 'escrow_split', 'refund_settled',
                     'payout_requested', 'payout_succeeded', 'payout_failed',
                     'payment_suspended', 'suspense_refunded', 'payout_reversed'))`,

  `ALTER TABLE payments.payments ADD COLUMN received_minor bigint CHECK (received_minor > 0)`,
  `ALTER TABLE payments.payments ADD COLUMN received_currency text CHECK (received_currency IN ('ETB', 'USD'))`,
  `ALTER TABLE payments.payments ADD CONSTRAINT payments_received_pair CHECK ((received_minor IS NULL) = (received_currency IS NULL))`,

  `ALTER TABLE payments.refunds DROP CONSTRAINT refunds_status_check`,
  `ALTER TABLE payments.refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed', 'needs_review'))`,
  `ALTER TABLE payments.refunds ADD COLUMN chapa_amount_minor bigint`,
  `ALTER TABLE payments.refunds ADD COLUMN lease_token uuid`,
  // Where the refunded money was: the booking's escrow (decided by the escrow's settlement, or a
  // duplicate payment), or suspense (a flagged payment an operator refunded).
  `ALTER TABLE payments.refunds ADD COLUMN source text NOT NULL DEFAULT 'escrow' CHECK (source IN ('escrow', 'suspense'))`,
  `CREATE INDEX refunds_attention_idx ON payments.refunds (updated_at) WHERE status IN ('failed', 'needs_review')`,

  `ALTER TABLE payments.payouts DROP CONSTRAINT payouts_status_check`,
  `ALTER TABLE payments.payouts ADD CONSTRAINT payouts_status_check CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed', 'reversed'))`,
  `ALTER TABLE payments.payouts ADD COLUMN reversed_at timestamptz`,
  `ALTER TABLE payments.payouts ADD COLUMN lease_token uuid`,

  `CREATE TABLE payments.admin_actions (
     id bigserial PRIMARY KEY,
     admin_id uuid NOT NULL,
     action text NOT NULL,
     subject_type text NOT NULL,
     subject_id uuid NOT NULL,
     detail jsonb NOT NULL DEFAULT '{}',
     created_at timestamptz NOT NULL
   )`,
  `CREATE INDEX admin_actions_subject_idx ON payments.admin_actions (subject_type, subject_id, id)`,
];

const DOWN = [
  `DROP TABLE payments.admin_actions`,
  `ALTER TABLE payments.payouts DROP COLUMN lease_token`,
  `ALTER TABLE payments.payouts DROP COLUMN reversed_at`,
  `ALTER TABLE payments.payouts DROP CONSTRAINT payouts_status_check`,
  `ALTER TABLE payments.payouts ADD CONSTRAINT payouts_status_check CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed'))`,
  `DROP INDEX payments.refunds_attention_idx`,
  `ALTER TABLE payments.refunds DROP COLUMN source`,
  `ALTER TABLE payments.refunds DROP COLUMN lease_token`,
  `ALTER TABLE payments.refunds DROP COLUMN chapa_amount_minor`,
  `ALTER TABLE payments.refunds DROP CONSTRAINT refunds_status_check`,
  `ALTER TABLE payments.refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed'))`,
  `ALTER TABLE payments.payments DROP CONSTRAINT payments_received_pair`,
  `ALTER TABLE payments.payments DROP COLUMN received_currency`,
  `ALTER TABLE payments.payments DROP COLUMN received_minor`,
  // Down is only possible while no row uses the new kinds (the ledger is append-only).
  `ALTER TABLE payments.ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check`,
  `ALTER TABLE payments.ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
     CHECK (kind IN ('payment_captured', 'escrow_released', 'escrow_refunded', 'escrow_split', 'refund_settled',
                     'payout_requested', 'payout_succeeded', 'payout_failed'))`,
  `ALTER TABLE payments.ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check`,
  `ALTER TABLE payments.ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
     CHECK (kind IN ('platform_cash', 'escrow', 'tutor_payable', 'platform_revenue', 'refunds_payable', 'payouts_in_flight'))`,
];
