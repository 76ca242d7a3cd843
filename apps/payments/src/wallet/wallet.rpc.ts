import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CURRENCIES, paymentsRpc, type WalletView } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import type { Currency } from '../domain/money';
import { PayoutService } from '../payouts/payout.service';
import { requireRole } from '../shared/access';
import { isoOf, minor, one, rows } from '../shared/db';

type HistoryType = WalletView['history'][number]['type'];
const HISTORY_TYPE: Record<string, HistoryType> = {
  escrow_released: 'escrow_released',
  escrow_split: 'escrow_released',
  payout_requested: 'payout_requested',
  payout_failed: 'payout_returned',
  // The bank returned a paid transfer: for the tutor, the same as a failed one (money back).
  payout_reversed: 'payout_returned',
};

/**
 * The tutor's wallet, derived from the ledger: `available` is the natural balance of their
 * tutor_payable account, `pendingEscrow` the balance of the escrow accounts of their bookings
 * (held, scheduled or frozen), `lifetimeEarnings` everything ever released to them (net of
 * fees), `payoutsInFlight` withdrawals Chapa has not settled yet. `history` lists the wallet
 * account's entries, newest first.
 */
@Injectable()
export class WalletRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly payouts: PayoutService,
  ) {}

  @OnRpc(paymentsRpc.walletGet)
  async get({ actor, data: input }: RpcContext<typeof paymentsRpc.walletGet>): Promise<WalletView> {
    const tutor = requireRole(actor, 'tutor', 'wallet.forbidden_role');
    const tutorId = tutor.userId;

    const accounts = await rows<{ kind: string; currency: Currency; balance_minor: string }>(
      this.ds,
      `SELECT kind, currency, balance_minor FROM payments.ledger_accounts WHERE ref = $1 AND kind IN ('tutor_payable', 'payouts_in_flight')`,
      [tutorId],
    );
    const escrowed = await rows<{ currency: Currency; total: string }>(
      this.ds,
      `SELECT a.currency, sum(a.balance_minor) AS total
         FROM payments.escrows e
         JOIN payments.ledger_accounts a ON a.kind = 'escrow' AND a.ref = e.booking_id AND a.currency = e.currency
        WHERE e.tutor_id = $1
        GROUP BY a.currency`,
      [tutorId],
    );
    const earned = await rows<{ currency: Currency; total: string }>(
      this.ds,
      `SELECT a.currency, -sum(en.amount_minor) AS total
         FROM payments.ledger_accounts a
         JOIN payments.ledger_entries en ON en.account_id = a.id
         JOIN payments.ledger_transactions t ON t.id = en.transaction_id
        WHERE a.kind = 'tutor_payable' AND a.ref = $1 AND t.kind IN ('escrow_released', 'escrow_split')
        GROUP BY a.currency`,
      [tutorId],
    );

    const currencies = new Set<Currency>([...accounts.map((a) => a.currency), ...escrowed.map((e) => e.currency)]);
    const primary = input.currency ?? (await this.mostRecentCurrency(tutorId)) ?? 'ETB';
    currencies.add(primary);
    const balanceOf = (currency: Currency) => {
      const acc = (kind: string) => minor(accounts.find((a) => a.kind === kind && a.currency === currency)?.balance_minor);
      const m = (amountMinor: number) => ({ amountMinor, currency });
      return {
        currency,
        available: m(acc('tutor_payable')),
        pendingEscrow: m(minor(escrowed.find((e) => e.currency === currency)?.total)),
        lifetimeEarnings: m(minor(earned.find((e) => e.currency === currency)?.total)),
        payoutsInFlight: m(acc('payouts_in_flight')),
      };
    };
    const balances = CURRENCIES.filter((c) => currencies.has(c)).map(balanceOf);
    const top = balanceOf(primary);

    const limit = input.limit ?? 20;
    const history = await rows<{
      id: string;
      amount_minor: string;
      currency: Currency;
      kind: string;
      booking_id: string | null;
      payout_id: string | null;
      occurred_at: Date;
    }>(
      this.ds,
      `SELECT en.id, en.amount_minor, en.currency, t.kind, t.booking_id, t.payout_id, t.occurred_at
         FROM payments.ledger_accounts a
         JOIN payments.ledger_entries en ON en.account_id = a.id
         JOIN payments.ledger_transactions t ON t.id = en.transaction_id
        WHERE a.kind = 'tutor_payable' AND a.ref = $1
          AND ($2::text IS NULL OR a.currency = $2)
          AND ($3::bigint IS NULL OR en.id < $3)
        ORDER BY en.id DESC
        LIMIT $4`,
      [tutorId, input.currency ?? null, input.cursor ?? null, limit + 1],
    );
    const page = history.slice(0, limit);
    return {
      available: top.available,
      pendingEscrow: top.pendingEscrow,
      lifetimeEarnings: top.lifetimeEarnings,
      payoutsInFlight: top.payoutsInFlight,
      balances,
      history: page.map((h) => {
        const signed = minor(h.amount_minor);
        return {
          id: String(h.id),
          type: HISTORY_TYPE[h.kind] ?? 'escrow_released',
          // tutor_payable is credit-normal: a credit (negative entry) is money in.
          direction: signed < 0 ? ('credit' as const) : ('debit' as const),
          amount: { amountMinor: Math.abs(signed), currency: h.currency },
          bookingId: h.booking_id,
          payoutId: h.payout_id,
          occurredAt: isoOf(h.occurred_at),
        };
      }),
      nextCursor: history.length > limit ? String(page[page.length - 1].id) : null,
    };
  }

  @OnRpc(paymentsRpc.walletWithdraw)
  async withdraw({ actor, data: input }: RpcContext<typeof paymentsRpc.walletWithdraw>) {
    const tutor = requireRole(actor, 'tutor', 'wallet.forbidden_role');
    return this.payouts.withdraw(tutor, input);
  }

  private async mostRecentCurrency(tutorId: string): Promise<Currency | undefined> {
    const wallet = await one<{ currency: Currency }>(
      this.ds,
      `SELECT en.currency FROM payments.ledger_accounts a JOIN payments.ledger_entries en ON en.account_id = a.id
        WHERE a.kind = 'tutor_payable' AND a.ref = $1 ORDER BY en.id DESC LIMIT 1`,
      [tutorId],
    );
    if (wallet) return wallet.currency;
    const escrow = await one<{ currency: Currency }>(
      this.ds,
      `SELECT currency FROM payments.escrows WHERE tutor_id = $1 ORDER BY held_at DESC LIMIT 1`,
      [tutorId],
    );
    return escrow?.currency;
  }
}
