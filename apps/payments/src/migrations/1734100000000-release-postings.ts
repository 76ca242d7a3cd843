import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PLATFORM_REF } from './1732290000000-payments';

/**
 * Issue 15 (ADR 0020): the ledger trigger's balance work, measured on the release job's batches,
 * without changing what it checks or what it books.
 *
 * - The statement trigger on `ledger_entries` now moves balances in two steps. Every account
 *   but the platform's own (cash, revenue) is locked in id order and updated first; then the
 *   platform accounts, in id order. That is still one global lock order, so concurrent postings
 *   still cannot deadlock, but the rows every release, capture and refund touches are taken
 *   last: a batch holds platform revenue only from the end of its last statement to its commit,
 *   instead of for the whole balance update, and two release workers no longer queue on it.
 * - The per-row guard on `ledger_accounts` fires on an UPDATE only when it can refuse
 *   something: an update issued outside a trigger (which may not move a balance), or one that
 *   changes an account's identity. The balance updates of the entries trigger, one level down,
 *   always passed it; skipping the call saves a PL/pgSQL invocation per account per posting
 *   (about a sixth of a release batch). The guard function and its messages are unchanged;
 *   INSERT still always runs it.
 * - `ledger_accounts` keeps free space in each page (fillfactor 50), so a balance update can be
 *   a HOT update (no new index entries in its three indexes). It applies to pages written from
 *   now on.
 */
export class ReleasePostings1734100000000 implements MigrationInterface {
  name = 'ReleasePostings1734100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of UP) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of DOWN) await q.query(sql);
  }
}

// The checks are those of 1732290000000-payments, word for word; only the balance step changed.
const checks = `
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
       END IF;`;

const UP = [
  `CREATE OR REPLACE FUNCTION payments.ledger_entries_check_and_apply() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE
       bad record;
       ids bigint[];
       totals bigint[];
     BEGIN${checks}

       -- Balances: one change per account per statement, in one global lock order: first every
       -- account that is not the platform's own, by id; then the platform's (cash, revenue), by
       -- id. The platform rows are shared by every posting of their kind, so they are taken last
       -- and held only from here to the end of the transaction.
       SELECT array_agg(account_id ORDER BY account_id), array_agg(total ORDER BY account_id) INTO ids, totals
         FROM (SELECT account_id, sum(amount_minor) AS total FROM new_entries GROUP BY account_id) d;
       PERFORM 1 FROM payments.ledger_accounts
        WHERE id = ANY (ids) AND ref <> '${PLATFORM_REF}'
        ORDER BY id
          FOR NO KEY UPDATE;
       UPDATE payments.ledger_accounts a
          SET balance_minor = a.balance_minor + a.normal_sign * d.total
         FROM unnest(ids, totals) AS d(id, total)
        WHERE a.id = d.id AND a.ref <> '${PLATFORM_REF}';
       -- At most one row per platform account kind and currency: found through the account key.
       PERFORM 1 FROM payments.ledger_accounts
        WHERE kind IN ('platform_cash', 'platform_revenue') AND ref = '${PLATFORM_REF}' AND id = ANY (ids)
        ORDER BY id
          FOR NO KEY UPDATE;
       UPDATE payments.ledger_accounts a
          SET balance_minor = a.balance_minor + a.normal_sign * totals[array_position(ids, a.id)]
        WHERE a.kind IN ('platform_cash', 'platform_revenue') AND a.ref = '${PLATFORM_REF}' AND a.id = ANY (ids);
       RETURN NULL;
     END $$`,
  `DROP TRIGGER ledger_accounts_guard ON payments.ledger_accounts`,
  `CREATE TRIGGER ledger_accounts_guard_insert BEFORE INSERT ON payments.ledger_accounts FOR EACH ROW EXECUTE FUNCTION payments.ledger_accounts_guard()`,
  // pg_trigger_depth() in WHEN is the depth of the statement doing the UPDATE: 0 for a client's
  // own UPDATE (always checked: it may not move a balance), 1 for the entries trigger's.
  `CREATE TRIGGER ledger_accounts_guard BEFORE UPDATE ON payments.ledger_accounts FOR EACH ROW
     WHEN (pg_trigger_depth() < 1 OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.ref IS DISTINCT FROM OLD.ref
           OR NEW.currency IS DISTINCT FROM OLD.currency)
     EXECUTE FUNCTION payments.ledger_accounts_guard()`,
  `ALTER TABLE payments.ledger_accounts SET (fillfactor = 50)`,
];

const DOWN = [
  `ALTER TABLE payments.ledger_accounts RESET (fillfactor)`,
  `DROP TRIGGER ledger_accounts_guard ON payments.ledger_accounts`,
  `DROP TRIGGER ledger_accounts_guard_insert ON payments.ledger_accounts`,
  `CREATE TRIGGER ledger_accounts_guard BEFORE INSERT OR UPDATE ON payments.ledger_accounts FOR EACH ROW EXECUTE FUNCTION payments.ledger_accounts_guard()`,
  `CREATE OR REPLACE FUNCTION payments.ledger_entries_check_and_apply() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE
       bad record;
     BEGIN${checks}

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
];
