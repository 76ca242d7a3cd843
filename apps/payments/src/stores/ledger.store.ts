import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { assertBalanced, type AccountKind, type LedgerAccount, type LedgerEntry } from '../domain/ledger';
import type { Currency } from '../domain/money';
import { PLATFORM_REF } from '../migrations/1732290000000-payments';
import { minor, one, rows } from '../shared/db';

export const LEDGER_TRANSACTION_KINDS = [
  'payment_captured',
  'escrow_released',
  'escrow_refunded',
  'escrow_split',
  'refund_settled',
  'payout_requested',
  'payout_succeeded',
  'payout_failed',
  'payment_suspended',
  'suspense_refunded',
  'payout_reversed',
] as const;
export type LedgerTransactionKind = (typeof LEDGER_TRANSACTION_KINDS)[number];

export interface Posting {
  kind: LedgerTransactionKind;
  /** One posting per reason, ever (unique in the database), e.g. `settle:<escrowId>`. */
  idempotencyKey: string;
  occurredAt: Date;
  bookingId?: string | null;
  escrowId?: string | null;
  paymentId?: string | null;
  refundId?: string | null;
  payoutId?: string | null;
  memo?: string | null;
  entries: readonly LedgerEntry[];
}

const refOf = (account: LedgerAccount): string => account.ref ?? PLATFORM_REF;

/**
 * Writes postings with a constant number of set-based statements however many there are (the
 * release job posts thousands per batch). The database re-checks everything the domain
 * builders promise: balance per transaction and currency, non-negative balances, append-only.
 */
@Injectable()
export class LedgerStore {
  /** Creates accounts that do not exist yet (sorted, so concurrent callers cannot deadlock). */
  async ensureAccounts(em: EntityManager, accounts: ReadonlyArray<{ account: LedgerAccount; currency: Currency }>): Promise<void> {
    const keyed = new Map<string, { kind: AccountKind; ref: string; currency: Currency }>();
    for (const { account, currency } of accounts) {
      const ref = refOf(account);
      keyed.set(`${account.kind}|${ref}|${currency}`, { kind: account.kind, ref, currency });
    }
    if (keyed.size === 0) return;
    const list = [...keyed.values()].sort((a, b) =>
      a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.ref !== b.ref ? (a.ref < b.ref ? -1 : 1) : a.currency < b.currency ? -1 : 1,
    );
    await em.query(
      `INSERT INTO payments.ledger_accounts (kind, ref, currency)
       SELECT k, r, c FROM unnest($1::text[], $2::uuid[], $3::text[]) WITH ORDINALITY AS x(k, r, c, o)
       ORDER BY o
       ON CONFLICT (kind, ref, currency) DO NOTHING`,
      [list.map((a) => a.kind), list.map((a) => a.ref), list.map((a) => a.currency)],
    );
  }

  /**
   * Posts one or many balanced transactions; returns their ids in order. `accountsExist` skips
   * creating missing accounts (the release job's accounts were all created at capture); a
   * missing one then fails the posting instead.
   */
  async post(em: EntityManager, postings: readonly Posting[], opts: { accountsExist?: boolean } = {}): Promise<string[]> {
    if (postings.length === 0) return [];
    for (const p of postings) assertBalanced(p.entries);
    if (!opts.accountsExist) {
      await this.ensureAccounts(
        em,
        postings.flatMap((p) => p.entries.map((e) => ({ account: e.account, currency: e.currency }))),
      );
    }

    const ids = postings.map(() => randomUUID());
    // The idempotency key is UNIQUE: a second posting for the same reason fails the whole
    // transaction (unique_violation on ledger_transactions_idempotency_key_key).
    await em.query(
      `INSERT INTO payments.ledger_transactions
         (id, kind, idempotency_key, booking_id, escrow_id, payment_id, refund_id, payout_id, memo, occurred_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::uuid[], $9::text[], $10::timestamptz[])`,
      [
        ids,
        postings.map((p) => p.kind),
        postings.map((p) => p.idempotencyKey),
        postings.map((p) => p.bookingId ?? null),
        postings.map((p) => p.escrowId ?? null),
        postings.map((p) => p.paymentId ?? null),
        postings.map((p) => p.refundId ?? null),
        postings.map((p) => p.payoutId ?? null),
        postings.map((p) => p.memo ?? null),
        postings.map((p) => p.occurredAt.toISOString()),
      ],
    );
    const txIds: string[] = [];
    const kinds: string[] = [];
    const refs: string[] = [];
    const currencies: string[] = [];
    const amounts: string[] = [];
    postings.forEach((p, i) => {
      for (const e of p.entries) {
        txIds.push(ids[i]);
        kinds.push(e.account.kind);
        refs.push(refOf(e.account));
        currencies.push(e.currency);
        amounts.push(String(e.amountMinor));
      }
    });
    // Each distinct account is looked up once through its key (a correlated subquery cannot be
    // turned into a join): joining the entries to ledger_accounts let the planner hash the whole
    // accounts table for a release batch, a sequential scan that grew with every booking ever
    // paid (issue 15).
    const [{ n }] = await rows<{ n: number }>(
      em,
      `WITH x AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::bigint[]) WITH ORDINALITY AS x(t, k, r, c, amt, o)
       ),
       acc AS MATERIALIZED (
         SELECT k, r, c, (SELECT a.id FROM payments.ledger_accounts a WHERE a.kind = keys.k AND a.ref = keys.r AND a.currency = keys.c) AS id
           FROM (SELECT DISTINCT k, r, c FROM x) keys
       ),
       ins AS (
         INSERT INTO payments.ledger_entries (transaction_id, account_id, currency, amount_minor)
         SELECT x.t, acc.id, x.c, x.amt
           FROM x JOIN acc ON acc.k = x.k AND acc.r = x.r AND acc.c = x.c
          WHERE acc.id IS NOT NULL
          ORDER BY x.o
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM ins`,
      [txIds, kinds, refs, currencies, amounts],
    );
    if (n !== txIds.length) throw new Error(`ledger: ${txIds.length - n} entries found no account`);
    return ids;
  }

  /**
   * Locks an account row and returns its natural balance (0 if it does not exist yet). Used
   * before a withdrawal, so two concurrent withdrawals cannot both spend the same money (the
   * CHECK would refuse the second anyway; the lock turns that into a clean 422).
   */
  async lockBalance(em: EntityManager, account: LedgerAccount, currency: Currency): Promise<number> {
    await this.ensureAccounts(em, [{ account, currency }]);
    const row = await one<{ balance_minor: string }>(
      em,
      `SELECT balance_minor FROM payments.ledger_accounts WHERE kind = $1 AND ref = $2 AND currency = $3 FOR NO KEY UPDATE`,
      [account.kind, refOf(account), currency],
    );
    return minor(row?.balance_minor);
  }

  async balance(em: EntityManager, account: LedgerAccount, currency: Currency): Promise<number> {
    const row = await one<{ balance_minor: string }>(
      em,
      `SELECT balance_minor FROM payments.ledger_accounts WHERE kind = $1 AND ref = $2 AND currency = $3`,
      [account.kind, refOf(account), currency],
    );
    return minor(row?.balance_minor);
  }
}
