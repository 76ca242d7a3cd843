import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments, escrows, refunds, payouts, the bookings read model and the double-entry ledger.
 *
 * The ledger's invariants live in the database, so no code path (or hand-written SQL) can
 * break them:
 * - every INSERT into ledger_entries must leave each ledger transaction it touches balanced
 *   (sum = 0 per currency, hence at least two entries) — checked by a statement-level trigger
 *   at the end of the statement, which is stricter than a deferred check at commit and costs
 *   one set-based query per statement instead of one per row; the same trigger checks that
 *   the referenced transactions and accounts exist (set-based, instead of row-level FKs);
 * - entries may only be added to a ledger transaction created by the same database
 *   transaction (history is append-only: nobody can re-open an old posting);
 * - entries and transactions can never be updated, deleted or truncated (triggers; REVOKE as
 *   well, for roles other than the owner);
 * - every account keeps its natural balance (positive = money there) in `balance_minor`,
 *   maintained by the same trigger in the same transaction, with CHECK (balance_minor >= 0),
 *   so no wallet, escrow or platform account can ever go negative; nothing else may write that
 *   column. Accounts are locked in id order, so concurrent postings cannot deadlock on them;
 * - an escrow that reached released/refunded never changes again (trigger).
 */
export class Payments1732290000000 implements MigrationInterface {
  name = 'Payments1732290000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of UP) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of DOWN) await q.query(sql);
  }
}

const CURRENCY = `CHECK (currency IN ('ETB', 'USD'))`;
export const PLATFORM_REF = '00000000-0000-0000-0000-000000000000';

const UP = [
  // Shared guard: rows of the ledger (and escrows) are never deleted or rewritten.
  `CREATE FUNCTION payments.ledger_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION '% on %.% is not allowed: this table is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
         USING ERRCODE = 'insufficient_privilege';
     END $$`,
  // ---- read model of bookings (from bookings.* events) ----
  `CREATE TABLE payments.bookings (
     booking_id uuid PRIMARY KEY,
     student_id uuid NOT NULL,
     tutor_id uuid NOT NULL,
     price_minor bigint CHECK (price_minor > 0),
     currency text ${CURRENCY},
     starts_at timestamptz,
     ends_at timestamptz,
     status text NOT NULL CHECK (status IN ('accepted', 'cancelled', 'expired', 'declined', 'no_show')),
     refund_bps integer CHECK (refund_bps BETWEEN 0 AND 10000),
     updated_at timestamptz NOT NULL DEFAULT now(),
     CHECK ((price_minor IS NULL) = (currency IS NULL))
   )`,

  // ---- payments (one Chapa checkout each) ----
  `CREATE TABLE payments.payments (
     id uuid PRIMARY KEY,
     booking_id uuid NOT NULL REFERENCES payments.bookings (booking_id),
     student_id uuid NOT NULL,
     tutor_id uuid NOT NULL,
     tx_ref text NOT NULL UNIQUE,
     amount_minor bigint NOT NULL CHECK (amount_minor > 0),
     currency text NOT NULL ${CURRENCY},
     status text NOT NULL CHECK (status IN ('initiated', 'succeeded', 'failed', 'flagged', 'refunded')),
     checkout_url text,
     chapa_reference text,
     verified_at timestamptz,
     failure_reason text,
     last_checked_at timestamptz,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
  // At most one live payment per booking: a second initiate returns the live one.
  `CREATE UNIQUE INDEX payments_one_live_per_booking ON payments.payments (booking_id) WHERE status IN ('initiated', 'succeeded')`,
  `CREATE INDEX payments_initiated_idx ON payments.payments (created_at) WHERE status = 'initiated'`,
  `CREATE INDEX payments_booking_idx ON payments.payments (booking_id, created_at)`,

  // ---- escrows (one per booking) ----
  `CREATE TABLE payments.escrows (
     id uuid PRIMARY KEY,
     booking_id uuid NOT NULL UNIQUE REFERENCES payments.bookings (booking_id),
     payment_id uuid NOT NULL UNIQUE REFERENCES payments.payments (id),
     student_id uuid NOT NULL,
     tutor_id uuid NOT NULL,
     amount_minor bigint NOT NULL CHECK (amount_minor > 0),
     currency text NOT NULL ${CURRENCY},
     status text NOT NULL CHECK (status IN ('held', 'release_scheduled', 'frozen', 'released', 'refunded')),
     held_at timestamptz NOT NULL,
     release_at timestamptz,
     frozen_at timestamptz,
     released_at timestamptz,
     refunded_at timestamptz,
     refund_minor bigint,
     tutor_minor bigint,
     fee_minor bigint,
     settle_reason text,
     version integer NOT NULL DEFAULT 1,
     updated_at timestamptz NOT NULL,
     CONSTRAINT escrows_scheduled_has_time CHECK (status <> 'release_scheduled' OR release_at IS NOT NULL),
     CONSTRAINT escrows_settled_has_amounts CHECK (
       (status IN ('released', 'refunded')) = (refund_minor IS NOT NULL AND tutor_minor IS NOT NULL AND fee_minor IS NOT NULL)
     ),
     CONSTRAINT escrows_split_sums CHECK (
       refund_minor IS NULL OR (refund_minor >= 0 AND tutor_minor >= 0 AND fee_minor >= 0 AND refund_minor + tutor_minor + fee_minor = amount_minor)
     )
   )`,
  `CREATE INDEX escrows_due_idx ON payments.escrows (release_at) WHERE status = 'release_scheduled'`,
  `CREATE INDEX escrows_tutor_idx ON payments.escrows (tutor_id)`,
  `CREATE FUNCTION payments.escrows_final_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF OLD.status IN ('released', 'refunded') AND (
            NEW.status IS DISTINCT FROM OLD.status OR NEW.refund_minor IS DISTINCT FROM OLD.refund_minor
            OR NEW.tutor_minor IS DISTINCT FROM OLD.tutor_minor OR NEW.fee_minor IS DISTINCT FROM OLD.fee_minor
            OR NEW.amount_minor IS DISTINCT FROM OLD.amount_minor) THEN
         RAISE EXCEPTION 'escrow % is % and can never change again', OLD.id, OLD.status
           USING ERRCODE = 'check_violation', CONSTRAINT = 'escrows_final_is_final';
       END IF;
       RETURN NEW;
     END $$`,
  `CREATE TRIGGER escrows_final_is_final BEFORE UPDATE ON payments.escrows FOR EACH ROW
     WHEN (OLD.status IN ('released', 'refunded')) EXECUTE FUNCTION payments.escrows_final_is_final()`,
  `CREATE TRIGGER escrows_no_delete BEFORE DELETE ON payments.escrows FOR EACH ROW EXECUTE FUNCTION payments.ledger_forbid_change()`,

  // What happened to each escrow, including events that were recorded and deliberately ignored.
  `CREATE TABLE payments.escrow_audit (
     id bigserial PRIMARY KEY,
     booking_id uuid NOT NULL,
     escrow_id uuid,
     action text NOT NULL,
     outcome text NOT NULL CHECK (outcome IN ('applied', 'ignored')),
     from_status text,
     to_status text,
     source text NOT NULL,
     detail jsonb NOT NULL DEFAULT '{}',
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX escrow_audit_booking_idx ON payments.escrow_audit (booking_id, id)`,

  // ---- refunds (through Chapa's refund API) ----
  `CREATE TABLE payments.refunds (
     id uuid PRIMARY KEY,
     payment_id uuid NOT NULL REFERENCES payments.payments (id),
     escrow_id uuid UNIQUE REFERENCES payments.escrows (id),
     booking_id uuid NOT NULL,
     tx_ref text NOT NULL,
     reference text NOT NULL UNIQUE,
     amount_minor bigint NOT NULL CHECK (amount_minor > 0),
     currency text NOT NULL ${CURRENCY},
     full_refund boolean NOT NULL,
     reason text NOT NULL,
     status text NOT NULL CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed')),
     chapa_ref_id text,
     attempts integer NOT NULL DEFAULT 0,
     next_attempt_at timestamptz NOT NULL,
     last_error text,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL,
     settled_at timestamptz
   )`,
  `CREATE INDEX refunds_due_idx ON payments.refunds (next_attempt_at) WHERE status IN ('pending', 'submitted')`,
  `CREATE INDEX refunds_booking_idx ON payments.refunds (booking_id)`,

  // ---- payouts (tutor withdrawals through Chapa transfers) ----
  `CREATE TABLE payments.payouts (
     id uuid PRIMARY KEY,
     tutor_id uuid NOT NULL,
     amount_minor bigint NOT NULL CHECK (amount_minor > 0),
     currency text NOT NULL ${CURRENCY},
     status text NOT NULL CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed')),
     reference text NOT NULL UNIQUE,
     bank_code text NOT NULL,
     account_number text NOT NULL,
     account_name text NOT NULL,
     chapa_reference text,
     idempotency_key text,
     failure_reason text,
     attempts integer NOT NULL DEFAULT 0,
     next_attempt_at timestamptz NOT NULL,
     last_error text,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL,
     settled_at timestamptz,
     UNIQUE (tutor_id, idempotency_key)
   )`,
  `CREATE INDEX payouts_open_idx ON payments.payouts (next_attempt_at) WHERE status IN ('pending', 'submitted')`,

  // ---- ledger ----

  `CREATE TABLE payments.ledger_accounts (
     id bigserial PRIMARY KEY,
     kind text NOT NULL CHECK (kind IN ('platform_cash', 'escrow', 'tutor_payable', 'platform_revenue', 'refunds_payable', 'payouts_in_flight')),
     ref uuid NOT NULL,
     currency text NOT NULL ${CURRENCY},
     -- +1: debit-normal (an asset: platform cash); -1: credit-normal (everything we owe or earned).
     normal_sign smallint GENERATED ALWAYS AS (CASE WHEN kind = 'platform_cash' THEN 1 ELSE -1 END) STORED,
     balance_minor bigint NOT NULL DEFAULT 0,
     created_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT ledger_accounts_balance_non_negative CHECK (balance_minor >= 0),
     CONSTRAINT ledger_accounts_platform_ref CHECK ((kind IN ('platform_cash', 'platform_revenue')) = (ref = '${PLATFORM_REF}')),
     CONSTRAINT ledger_accounts_key UNIQUE (kind, ref, currency),
     CONSTRAINT ledger_accounts_id_currency UNIQUE (id, currency)
   )`,
  `CREATE FUNCTION payments.ledger_accounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'INSERT' THEN
         IF NEW.balance_minor <> 0 THEN
           RAISE EXCEPTION 'a ledger account starts at zero; balances move only through entries'
             USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_accounts_balance_from_entries';
         END IF;
         RETURN NEW;
       END IF;
       IF NEW.kind IS DISTINCT FROM OLD.kind OR NEW.ref IS DISTINCT FROM OLD.ref OR NEW.currency IS DISTINCT FROM OLD.currency THEN
         RAISE EXCEPTION 'a ledger account''s identity never changes' USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_accounts_identity';
       END IF;
       -- Only the entries trigger (one level down) may move a balance.
       IF NEW.balance_minor IS DISTINCT FROM OLD.balance_minor AND pg_trigger_depth() < 2 THEN
         RAISE EXCEPTION 'balances move only through ledger entries'
           USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_accounts_balance_from_entries';
       END IF;
       RETURN NEW;
     END $$`,
  `CREATE TRIGGER ledger_accounts_guard BEFORE INSERT OR UPDATE ON payments.ledger_accounts FOR EACH ROW EXECUTE FUNCTION payments.ledger_accounts_guard()`,
  `CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON payments.ledger_accounts FOR EACH ROW EXECUTE FUNCTION payments.ledger_forbid_change()`,
  `INSERT INTO payments.ledger_accounts (kind, ref, currency) VALUES
     ('platform_cash', '${PLATFORM_REF}', 'ETB'), ('platform_cash', '${PLATFORM_REF}', 'USD'),
     ('platform_revenue', '${PLATFORM_REF}', 'ETB'), ('platform_revenue', '${PLATFORM_REF}', 'USD')`,

  `CREATE TABLE payments.ledger_transactions (
     id uuid PRIMARY KEY,
     kind text NOT NULL CHECK (kind IN ('payment_captured', 'escrow_released', 'escrow_refunded', 'escrow_split',
                                        'refund_settled', 'payout_requested', 'payout_succeeded', 'payout_failed')),
     -- One posting per reason, ever: e.g. 'settle:<escrowId>' cannot be posted twice.
     idempotency_key text NOT NULL UNIQUE,
     booking_id uuid,
     escrow_id uuid,
     payment_id uuid,
     refund_id uuid,
     payout_id uuid,
     memo text,
     occurred_at timestamptz NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     created_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
   )`,
  `CREATE INDEX ledger_transactions_booking_idx ON payments.ledger_transactions (booking_id)`,

  `CREATE TABLE payments.ledger_entries (
     id bigserial PRIMARY KEY,
     -- References are checked set-based by the statement trigger below (a row-level foreign key
     -- costs one lookup per entry, the largest part of a 3 000-entry release batch); they cannot
     -- dangle later because accounts and transactions can never be deleted.
     transaction_id uuid NOT NULL,
     account_id bigint NOT NULL,
     currency text NOT NULL ${CURRENCY},
     -- Signed: debit positive, credit negative.
     amount_minor bigint NOT NULL CHECK (amount_minor <> 0)
   )`,
  `CREATE INDEX ledger_entries_transaction_idx ON payments.ledger_entries (transaction_id)`,
  `CREATE INDEX ledger_entries_account_idx ON payments.ledger_entries (account_id, id)`,

  `CREATE FUNCTION payments.ledger_entries_check_and_apply() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE
       bad record;
     BEGIN
       SELECT n.transaction_id, t.id AS found INTO bad
         FROM (SELECT DISTINCT transaction_id FROM new_entries) n
         LEFT JOIN payments.ledger_transactions t ON t.id = n.transaction_id
        WHERE t.id IS NULL OR t.created_xid <> pg_current_xact_id()
        LIMIT 1;
       IF FOUND AND bad.found IS NULL THEN
         RAISE EXCEPTION 'ledger transaction % does not exist', bad.transaction_id
           USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entries_transaction';
       ELSIF FOUND THEN
         RAISE EXCEPTION 'ledger transaction % was committed earlier; postings are append-only', bad.transaction_id
           USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_append_only';
       END IF;

       SELECT n.account_id, n.currency INTO bad
         FROM (SELECT DISTINCT account_id, currency FROM new_entries) n
         LEFT JOIN payments.ledger_accounts a ON a.id = n.account_id AND a.currency = n.currency
        WHERE a.id IS NULL
        LIMIT 1;
       IF FOUND THEN
         RAISE EXCEPTION 'no ledger account % in %', bad.account_id, bad.currency
           USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entries_account_currency';
       END IF;

       -- Each statement's own entries must balance per transaction and currency. Entries can only
       -- join transactions of this database transaction, so by induction every transaction is the
       -- sum of balanced parts, i.e. balanced; amounts are never 0, so a balanced part has at least
       -- two entries. Checking only the new rows keeps the cost independent of the ledger's size.
       SELECT n.transaction_id, n.currency, sum(n.amount_minor) AS total INTO bad
         FROM new_entries n
        GROUP BY n.transaction_id, n.currency
       HAVING sum(n.amount_minor) <> 0
        LIMIT 1;
       IF FOUND THEN
         RAISE EXCEPTION 'ledger transaction % does not balance in % (off by %)', bad.transaction_id, bad.currency, bad.total
           USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_transaction_balanced';
       END IF;

       PERFORM 1 FROM payments.ledger_accounts
        WHERE id IN (SELECT DISTINCT account_id FROM new_entries)
        ORDER BY id
          FOR NO KEY UPDATE;
       UPDATE payments.ledger_accounts a
          SET balance_minor = a.balance_minor + a.normal_sign * d.total
         FROM (SELECT account_id, sum(amount_minor) AS total FROM new_entries GROUP BY account_id) d
        WHERE a.id = d.account_id;
       RETURN NULL;
     END $$`,
  `CREATE TRIGGER ledger_entries_check_and_apply AFTER INSERT ON payments.ledger_entries
     REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION payments.ledger_entries_check_and_apply()`,
  `CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON payments.ledger_entries FOR EACH ROW EXECUTE FUNCTION payments.ledger_forbid_change()`,
  `CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON payments.ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION payments.ledger_forbid_change()`,
  `CREATE TRIGGER ledger_transactions_immutable BEFORE UPDATE OR DELETE ON payments.ledger_transactions FOR EACH ROW EXECUTE FUNCTION payments.ledger_forbid_change()`,
  `CREATE TRIGGER ledger_transactions_no_truncate BEFORE TRUNCATE ON payments.ledger_transactions FOR EACH STATEMENT EXECUTE FUNCTION payments.ledger_forbid_change()`,
  `REVOKE UPDATE, DELETE, TRUNCATE ON payments.ledger_entries, payments.ledger_transactions FROM PUBLIC`,
];

const DOWN = [
  `DROP TABLE payments.ledger_entries`,
  `DROP TABLE payments.ledger_transactions`,
  `DROP TABLE payments.ledger_accounts`,
  `DROP FUNCTION payments.ledger_entries_check_and_apply()`,
  `DROP FUNCTION payments.ledger_accounts_guard()`,
  `DROP TABLE payments.payouts`,
  `DROP TABLE payments.refunds`,
  `DROP TABLE payments.escrow_audit`,
  `DROP TABLE payments.escrows`,
  `DROP FUNCTION payments.escrows_final_is_final()`,
  `DROP FUNCTION payments.ledger_forbid_change()`,
  `DROP TABLE payments.payments`,
  `DROP TABLE payments.bookings`,
];
