import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CURRENCIES, type WalletGetInput, type WalletView } from '@tutorhub/contracts';
import type { Currency } from '../domain/money';
import { isoOf, minor } from '../shared/db';
import { earnedBy, escrowedFor, lastEscrowCurrency, lastWalletCurrency, walletAccounts, walletEntries } from './wallet.store';

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
export class Wallet {
  constructor(private readonly ds: DataSource) {}

  async view(tutorId: string, input: WalletGetInput): Promise<WalletView> {
    const accounts = await walletAccounts(this.ds, tutorId);
    const escrowed = await escrowedFor(this.ds, tutorId);
    const earned = await earnedBy(this.ds, tutorId);

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
    const history = await walletEntries(this.ds, { tutorId, currency: input.currency ?? null, cursor: input.cursor ?? null, limit: limit + 1 });
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

  private async mostRecentCurrency(tutorId: string): Promise<Currency | undefined> {
    const wallet = await lastWalletCurrency(this.ds, tutorId);
    if (wallet) return wallet.currency;
    const escrow = await lastEscrowCurrency(this.ds, tutorId);
    return escrow?.currency;
  }
}
