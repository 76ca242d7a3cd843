import type { DataSource } from 'typeorm';
import type { Currency } from '../domain/money';
import { one, rows } from '../shared/db';

/** The tutor's wallet and payouts-in-flight accounts (their balances are kept by the ledger trigger). */
export function walletAccounts(ds: DataSource, tutorId: string): Promise<Array<{ kind: string; currency: Currency; balance_minor: string }>> {
  return rows<{ kind: string; currency: Currency; balance_minor: string }>(
    ds,
    `SELECT kind, currency, balance_minor FROM payments.ledger_accounts WHERE ref = $1 AND kind IN ('tutor_payable', 'payouts_in_flight')`,
    [tutorId],
  );
}

/** The balance of the escrow accounts of the tutor's bookings, per currency. */
export function escrowedFor(ds: DataSource, tutorId: string): Promise<Array<{ currency: Currency; total: string }>> {
  return rows<{ currency: Currency; total: string }>(
    ds,
    `SELECT a.currency, sum(a.balance_minor) AS total
       FROM payments.escrows e
       JOIN payments.ledger_accounts a ON a.kind = 'escrow' AND a.ref = e.booking_id AND a.currency = e.currency
      WHERE e.tutor_id = $1
      GROUP BY a.currency`,
    [tutorId],
  );
}

/** Everything ever released to the tutor's wallet (net of fees), per currency. */
export function earnedBy(ds: DataSource, tutorId: string): Promise<Array<{ currency: Currency; total: string }>> {
  return rows<{ currency: Currency; total: string }>(
    ds,
    `SELECT a.currency, -sum(en.amount_minor) AS total
       FROM payments.ledger_accounts a
       JOIN payments.ledger_entries en ON en.account_id = a.id
       JOIN payments.ledger_transactions t ON t.id = en.transaction_id
      WHERE a.kind = 'tutor_payable' AND a.ref = $1 AND t.kind IN ('escrow_released', 'escrow_split')
      GROUP BY a.currency`,
    [tutorId],
  );
}

export interface WalletEntryRow {
  id: string;
  amount_minor: string;
  currency: Currency;
  kind: string;
  booking_id: string | null;
  payout_id: string | null;
  occurred_at: Date;
}

/** The wallet account's entries, newest first, after the cursor (an entry id). */
export function walletEntries(
  ds: DataSource,
  q: { tutorId: string; currency: Currency | null; cursor: string | null; limit: number },
): Promise<WalletEntryRow[]> {
  return rows<WalletEntryRow>(
    ds,
    `SELECT en.id, en.amount_minor, en.currency, t.kind, t.booking_id, t.payout_id, t.occurred_at
       FROM payments.ledger_accounts a
       JOIN payments.ledger_entries en ON en.account_id = a.id
       JOIN payments.ledger_transactions t ON t.id = en.transaction_id
      WHERE a.kind = 'tutor_payable' AND a.ref = $1
        AND ($2::text IS NULL OR a.currency = $2)
        AND ($3::bigint IS NULL OR en.id < $3)
      ORDER BY en.id DESC
      LIMIT $4`,
    [q.tutorId, q.currency, q.cursor, q.limit],
  );
}

export function lastWalletCurrency(ds: DataSource, tutorId: string): Promise<{ currency: Currency } | undefined> {
  return one<{ currency: Currency }>(
    ds,
    `SELECT en.currency FROM payments.ledger_accounts a JOIN payments.ledger_entries en ON en.account_id = a.id
      WHERE a.kind = 'tutor_payable' AND a.ref = $1 ORDER BY en.id DESC LIMIT 1`,
    [tutorId],
  );
}

export function lastEscrowCurrency(ds: DataSource, tutorId: string): Promise<{ currency: Currency } | undefined> {
  return one<{ currency: Currency }>(ds, `SELECT currency FROM payments.escrows WHERE tutor_id = $1 ORDER BY held_at DESC LIMIT 1`, [tutorId]);
}
