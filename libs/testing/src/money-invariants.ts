import { Client } from 'pg';

/**
 * Money invariants over the payments schema, checked after every scenario. Each check is one
 * query that returns the offending rows (empty = holds), so a failure names what is wrong.
 *
 * The ledger's own constraints (balanced statements, non-negative balances, append-only) are
 * enforced by triggers; these checks re-derive everything from the rows themselves, so they also
 * catch a trigger that was dropped, bypassed or wrong.
 */
export interface Violation {
  check: string;
  rows: unknown[];
}

export interface MoneyReport {
  violations: Violation[];
  figures: {
    ledgerTransactions: number;
    ledgerEntries: number;
    escrows: Record<string, number>;
    escrowAccountBalance: Record<string, string>;
    openEscrowAmount: Record<string, string>;
  };
}

const CHECKS: Array<{ check: string; sql: string }> = [
  {
    check: 'every ledger transaction balances per currency, with at least two entries',
    sql: `SELECT transaction_id, currency, sum(amount_minor)::text AS sum, count(*)::int AS n
            FROM payments.ledger_entries GROUP BY transaction_id, currency
          HAVING sum(amount_minor) <> 0 OR count(*) < 2`,
  },
  {
    check: 'every ledger transaction has entries',
    sql: `SELECT t.id, t.kind, t.idempotency_key FROM payments.ledger_transactions t
           WHERE NOT EXISTS (SELECT 1 FROM payments.ledger_entries e WHERE e.transaction_id = t.id)`,
  },
  {
    check: 'every entry belongs to an existing transaction and an account of its currency',
    sql: `SELECT e.id, e.transaction_id, e.account_id, e.currency FROM payments.ledger_entries e
            LEFT JOIN payments.ledger_transactions t ON t.id = e.transaction_id
            LEFT JOIN payments.ledger_accounts a ON a.id = e.account_id AND a.currency = e.currency
           WHERE t.id IS NULL OR a.id IS NULL`,
  },
  {
    check: 'no account balance (wallets included) is negative, and the stored balance is the sum of its entries',
    sql: `SELECT a.id, a.kind, a.ref, a.currency, a.balance_minor::text AS stored,
                 (COALESCE(sum(e.amount_minor), 0) * a.normal_sign)::text AS derived
            FROM payments.ledger_accounts a LEFT JOIN payments.ledger_entries e ON e.account_id = a.id
           GROUP BY a.id
          HAVING COALESCE(sum(e.amount_minor), 0) * a.normal_sign < 0
              OR COALESCE(sum(e.amount_minor), 0) * a.normal_sign <> a.balance_minor`,
  },
  {
    // Entry ids are allocated before commit, so id order is commit order only where causality
    // orders the postings: a booking's escrow and refunds_payable accounts (capture, then settle,
    // then refund settled). Platform-wide accounts are covered by the check above and the CHECK.
    check: 'no escrow or refunds_payable balance was ever negative, posting after posting',
    sql: `WITH per_tx AS (
            SELECT e.account_id, a.kind, a.ref, a.normal_sign, t.created_at, t.id AS tx, min(e.id) AS first_entry,
                   sum(e.amount_minor) AS delta
              FROM payments.ledger_entries e
              JOIN payments.ledger_transactions t ON t.id = e.transaction_id
              JOIN payments.ledger_accounts a ON a.id = e.account_id
             WHERE a.kind IN ('escrow', 'refunds_payable')
             GROUP BY e.account_id, a.kind, a.ref, a.normal_sign, t.created_at, t.id),
          running AS (
            SELECT account_id, kind, ref, tx,
                   sum(delta) OVER (PARTITION BY account_id ORDER BY first_entry) * normal_sign AS balance
              FROM per_tx)
          SELECT account_id, kind, ref, tx, balance::text FROM running WHERE balance < 0`,
  },
  {
    check: 'platform cash equals everything owed or earned (per currency)',
    sql: `SELECT currency,
                 sum(balance_minor) FILTER (WHERE kind = 'platform_cash')::text AS cash,
                 sum(balance_minor) FILTER (WHERE kind <> 'platform_cash')::text AS owed
            FROM payments.ledger_accounts GROUP BY currency
          HAVING COALESCE(sum(balance_minor) FILTER (WHERE kind = 'platform_cash'), 0)
              <> COALESCE(sum(balance_minor) FILTER (WHERE kind <> 'platform_cash'), 0)`,
  },
  {
    check: 'held + release_scheduled + frozen escrows equal the escrow accounts’ balance (per currency)',
    sql: `WITH open AS (
            SELECT currency, sum(amount_minor) AS amount FROM payments.escrows
             WHERE status IN ('held', 'release_scheduled', 'frozen') GROUP BY currency),
          acct AS (
            SELECT currency, sum(balance_minor) AS balance FROM payments.ledger_accounts WHERE kind = 'escrow' GROUP BY currency)
          SELECT COALESCE(o.currency, a.currency) AS currency, COALESCE(o.amount, 0)::text AS open_escrows, COALESCE(a.balance, 0)::text AS escrow_accounts
            FROM open o FULL JOIN acct a ON a.currency = o.currency
           WHERE COALESCE(o.amount, 0) <> COALESCE(a.balance, 0)`,
  },
  {
    check: 'each booking’s escrow account holds exactly its open escrow (and nothing once it is final)',
    sql: `SELECT a.ref AS booking_id, a.currency, a.balance_minor::text AS balance, e.status, e.amount_minor::text AS amount
            FROM payments.ledger_accounts a
            LEFT JOIN payments.escrows e ON e.booking_id = a.ref AND e.currency = a.currency
           WHERE a.kind = 'escrow'
             AND a.balance_minor <> CASE WHEN e.status IN ('held', 'release_scheduled', 'frozen') THEN e.amount_minor ELSE 0 END`,
  },
  {
    check: 'each escrow is settled (released / refunded / split) at most once in the ledger, and exactly once when final',
    sql: `SELECT e.id, e.status, count(t.id)::int AS settlements
            FROM payments.escrows e
            LEFT JOIN payments.ledger_transactions t
              ON t.escrow_id = e.id AND t.kind IN ('escrow_released', 'escrow_refunded', 'escrow_split')
           GROUP BY e.id, e.status
          HAVING count(t.id) > 1 OR (e.status IN ('released', 'refunded')) <> (count(t.id) = 1)`,
  },
  {
    check: 'each escrow reached a final state at most once (audit trail)',
    sql: `SELECT escrow_id, count(*)::int AS finals FROM payments.escrow_audit
           WHERE outcome = 'applied' AND to_status IN ('released', 'refunded') AND escrow_id IS NOT NULL
           GROUP BY escrow_id HAVING count(*) > 1`,
  },
  {
    check: 'a settled escrow’s split adds up and matches its ledger posting',
    sql: `SELECT e.id, e.amount_minor::text, e.refund_minor::text, e.tutor_minor::text, e.fee_minor::text
            FROM payments.escrows e
           WHERE e.status IN ('released', 'refunded')
             AND (e.refund_minor + e.tutor_minor + e.fee_minor <> e.amount_minor
               OR e.tutor_minor + e.fee_minor <> COALESCE((
                    SELECT -sum(le.amount_minor) FROM payments.ledger_entries le
                      JOIN payments.ledger_transactions t ON t.id = le.transaction_id
                      JOIN payments.ledger_accounts a ON a.id = le.account_id
                     WHERE t.escrow_id = e.id AND t.kind IN ('escrow_released', 'escrow_refunded', 'escrow_split')
                       AND a.kind IN ('tutor_payable', 'platform_revenue')), 0))`,
  },
  {
    check: 'each escrow was captured exactly once (one payment_captured posting of its amount)',
    sql: `SELECT e.id, e.amount_minor::text, count(t.id)::int AS captures
            FROM payments.escrows e
            LEFT JOIN payments.ledger_transactions t ON t.payment_id = e.payment_id AND t.kind = 'payment_captured'
           GROUP BY e.id HAVING count(t.id) <> 1`,
  },
  {
    check: 'no payment was captured twice',
    sql: `SELECT payment_id, count(*)::int FROM payments.ledger_transactions
           WHERE kind = 'payment_captured' GROUP BY payment_id HAVING count(*) > 1`,
  },
  {
    // A flagged payment is refunded what Chapa received (received_minor), not what we expected.
    check: 'refunds of an escrow never exceed what it refunded, nor a payment its amount (what Chapa received, when flagged)',
    sql: `SELECT p.id, COALESCE(p.received_minor, p.amount_minor)::text, sum(r.amount_minor)::text AS refunded
            FROM payments.payments p JOIN payments.refunds r ON r.payment_id = p.id
           GROUP BY p.id, p.amount_minor, p.received_minor HAVING sum(r.amount_minor) > COALESCE(p.received_minor, p.amount_minor)
          UNION ALL
          SELECT e.id, e.refund_minor::text, r.amount_minor::text FROM payments.escrows e JOIN payments.refunds r ON r.escrow_id = e.id
           WHERE r.amount_minor <> e.refund_minor`,
  },
  {
    check: 'each refund and payout is settled in the ledger at most once',
    sql: `SELECT COALESCE(refund_id, payout_id) AS id, kind, count(*)::int FROM payments.ledger_transactions
           WHERE kind IN ('refund_settled', 'payout_succeeded', 'payout_failed', 'payout_requested', 'payout_reversed')
           GROUP BY COALESCE(refund_id, payout_id), kind HAVING count(*) > 1
          UNION ALL
          SELECT t.payout_id, 'payout_settled', count(*)::int FROM payments.ledger_transactions t
           WHERE t.kind IN ('payout_succeeded', 'payout_failed') GROUP BY t.payout_id HAVING count(*) > 1`,
  },
  {
    check: 'a payout is reversed only after it succeeded, at most once, and its status says so',
    sql: `SELECT p.id, p.status, count(t.id) FILTER (WHERE t.kind = 'payout_succeeded')::int AS succeeded,
                 count(t.id) FILTER (WHERE t.kind = 'payout_reversed')::int AS reversed
            FROM payments.payouts p LEFT JOIN payments.ledger_transactions t ON t.payout_id = p.id
           GROUP BY p.id, p.status
          HAVING (count(t.id) FILTER (WHERE t.kind = 'payout_reversed') > 0
                  AND count(t.id) FILTER (WHERE t.kind = 'payout_succeeded') <> 1)
              OR (p.status = 'reversed') <> (count(t.id) FILTER (WHERE t.kind = 'payout_reversed') = 1)`,
  },
  {
    check: 'money in suspense: each flagged payment’s account holds what Chapa received, nothing once refunded, suspended and released once',
    sql: `SELECT p.id, p.status, p.received_minor::text, a.balance_minor::text AS suspense
            FROM payments.payments p
            LEFT JOIN payments.ledger_accounts a ON a.kind = 'suspense' AND a.ref = p.id AND a.currency = p.received_currency
           WHERE p.received_minor IS NOT NULL
             AND COALESCE(a.balance_minor, 0) <> CASE WHEN p.status = 'flagged' THEN p.received_minor ELSE 0 END
          UNION ALL
          SELECT a.ref, 'no flagged payment', NULL, a.balance_minor::text FROM payments.ledger_accounts a
           WHERE a.kind = 'suspense' AND NOT EXISTS (SELECT 1 FROM payments.payments p WHERE p.id = a.ref AND p.received_minor IS NOT NULL)
          UNION ALL
          SELECT payment_id, kind, NULL, count(*)::text FROM payments.ledger_transactions
           WHERE kind IN ('payment_suspended', 'suspense_refunded') GROUP BY payment_id, kind HAVING count(*) > 1`,
  },
];

export async function withDb<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url, application_name: 'reliability-checks' });
  // A cut connection also emits 'error'; unhandled, it would end the test run (the query's rejection reports it).
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function moneyReport(url: string): Promise<MoneyReport> {
  return withDb(url, async (c) => {
    // One snapshot for all checks: they must agree with each other.
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const violations: Violation[] = [];
      for (const { check, sql } of CHECKS) {
        const { rows } = await c.query(sql);
        if (rows.length) violations.push({ check, rows: rows.slice(0, 10) });
      }
      const count = async (sql: string) => Number((await c.query(sql)).rows[0].n);
      const escrows = Object.fromEntries(
        (await c.query(`SELECT status, count(*)::int AS n FROM payments.escrows GROUP BY status`)).rows.map((r) => [r.status, r.n]),
      );
      const escrowAccountBalance = Object.fromEntries(
        (await c.query(`SELECT currency, sum(balance_minor)::text AS b FROM payments.ledger_accounts WHERE kind = 'escrow' GROUP BY currency`)).rows.map((r) => [r.currency, r.b]),
      );
      const openEscrowAmount = Object.fromEntries(
        (
          await c.query(
            `SELECT currency, sum(amount_minor)::text AS b FROM payments.escrows WHERE status IN ('held', 'release_scheduled', 'frozen') GROUP BY currency`,
          )
        ).rows.map((r) => [r.currency, r.b]),
      );
      return {
        violations,
        figures: {
          ledgerTransactions: await count(`SELECT count(*) AS n FROM payments.ledger_transactions`),
          ledgerEntries: await count(`SELECT count(*) AS n FROM payments.ledger_entries`),
          escrows,
          escrowAccountBalance,
          openEscrowAmount,
        },
      };
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

/** Throws with every violation listed; returns the figures for reports. */
export async function assertMoneyInvariants(url: string): Promise<MoneyReport['figures']> {
  const report = await moneyReport(url);
  if (report.violations.length) {
    throw new Error(`money invariants violated:\n${report.violations.map((v) => `- ${v.check}: ${JSON.stringify(v.rows)}`).join('\n')}`);
  }
  return report.figures;
}
