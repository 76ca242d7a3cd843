import { DomainError } from './domain-error';
import type { ReleaseSplit } from './fee';
import { assertMinorUnits, isCurrency, type Currency } from './money';
import type { RefundSplit } from './refund-split';

/**
 * The payments ledger: double entry, one balanced posting per money movement.
 *
 * SIGN CONVENTION: an entry's `amountMinor` is signed, debit positive and credit negative, and
 * every posting sums to zero per currency. An account's balance is the sum of its entries,
 * read on its normal side (`naturalBalance`):
 * - `platform_cash` is an asset (debit-normal): the money we hold at Chapa.
 * - every other account is something we owe or have earned (credit-normal): escrow (owed to
 *   the booking's outcome), tutor_payable (the tutor's wallet), refunds_payable (owed to a
 *   student until Chapa confirms the refund), payouts_in_flight (a withdrawal Chapa is
 *   transferring), platform_revenue (fees earned).
 * So platform cash always equals the sum of the other balances, and "no balance is ever
 * negative" holds for natural balances of every account.
 *
 * REFUNDS take two steps: escrow → refunds_payable when we decide to refund, then
 * refunds_payable → platform_cash when Chapa confirms it. Chapa refunds are asynchronous and
 * may fail; in between the money is owed to the student but still at Chapa, and a failed
 * refund simply stays in refunds_payable until it is retried, without a reversing posting.
 * Payouts mirror this: tutor_payable → payouts_in_flight → platform_cash, or back to
 * tutor_payable when the transfer fails. A transfer the bank returns after it succeeded
 * (Chapa's `transfer.reversed`) comes back into platform cash and the tutor's wallet.
 *
 * SUSPENSE holds money that reached our Chapa account but that we cannot attribute: a payment
 * whose verify reported another amount or currency than the booking's price. It is booked
 * (cash ↑ / suspense ↑, for what Chapa says it received) so platform cash matches Chapa, and
 * leaves only by an operator's refund (suspense → refunds_payable → out of cash).
 */
export const ACCOUNT_KINDS = [
  'platform_cash',
  'escrow',
  'tutor_payable',
  'platform_revenue',
  'refunds_payable',
  'payouts_in_flight',
  'suspense',
] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/**
 * `ref` names whose account it is: the booking for escrow and refunds_payable, the tutor for
 * tutor_payable and payouts_in_flight (so a failed payout returns to the right wallet), and
 * null for the platform's own accounts.
 */
export interface LedgerAccount {
  readonly kind: AccountKind;
  readonly ref: string | null;
}

export const Accounts = {
  platformCash: (): LedgerAccount => ({ kind: 'platform_cash', ref: null }),
  platformRevenue: (): LedgerAccount => ({ kind: 'platform_revenue', ref: null }),
  escrow: (bookingId: string): LedgerAccount => ({ kind: 'escrow', ref: requireRef(bookingId, 'bookingId') }),
  refundsPayable: (bookingId: string): LedgerAccount => ({ kind: 'refunds_payable', ref: requireRef(bookingId, 'bookingId') }),
  tutorPayable: (tutorId: string): LedgerAccount => ({ kind: 'tutor_payable', ref: requireRef(tutorId, 'tutorId') }),
  payoutsInFlight: (tutorId: string): LedgerAccount => ({ kind: 'payouts_in_flight', ref: requireRef(tutorId, 'tutorId') }),
  /** Keyed by the payment whose money it holds. */
  suspense: (paymentId: string): LedgerAccount => ({ kind: 'suspense', ref: requireRef(paymentId, 'paymentId') }),
} as const;

/** A stable string for maps and unique keys: `kind` or `kind:ref`. */
export function accountKey(account: LedgerAccount): string {
  return account.ref === null ? account.kind : `${account.kind}:${account.ref}`;
}

export function normalSide(kind: AccountKind): 'debit' | 'credit' {
  return kind === 'platform_cash' ? 'debit' : 'credit';
}

/** The balance as a person reads it (positive = money there), from the signed sum of entries. */
export function naturalBalance(kind: AccountKind, signedSum: number): number {
  return normalSide(kind) === 'debit' ? signedSum : 0 - signedSum; // not -signedSum: no -0 for an empty account
}

export interface LedgerEntry {
  readonly account: LedgerAccount;
  /** Signed: debit positive, credit negative; never zero. */
  readonly amountMinor: number;
  readonly currency: Currency;
}

/**
 * Throws `ledger.invalid_entry` (500) for an entry without a known account and currency or with
 * a zero or unsafe amount, and `ledger.unbalanced` (500) unless there are at least two entries
 * summing to zero per currency.
 * An unbalanced posting is a bug, never a user error, hence 500. Sums are BigInt so that
 * large entries cannot round their way to zero.
 */
export function assertBalanced(entries: readonly LedgerEntry[]): void {
  if (entries.length < 2) {
    throw new DomainError('ledger.unbalanced', 'a posting needs at least two entries', 500, { entries: entries.length });
  }
  const sums = new Map<Currency, bigint>();
  for (const entry of entries) {
    const { amountMinor, currency } = entry;
    const validAmount = Number.isSafeInteger(amountMinor) && amountMinor !== 0;
    if (!validAmount || !isCurrency(currency) || !ACCOUNT_KINDS.includes(entry.account?.kind)) {
      throw new DomainError('ledger.invalid_entry', 'an entry needs a known account and currency and a non-zero amount', 500, {
        account: entry.account,
        amountMinor,
        currency,
      });
    }
    sums.set(currency, (sums.get(currency) ?? 0n) + BigInt(amountMinor));
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) {
      throw new DomainError('ledger.unbalanced', `posting does not balance in ${currency}`, 500, {
        currency,
        imbalanceMinor: sum.toString(),
      });
    }
  }
}

// --- posting builders -------------------------------------------------------------------------
// Each returns one balanced posting. Zero legs are left out (a release with no fee has no
// revenue entry). Callers hold the relevant balances under a lock; the preconditions below are
// what keeps every natural balance non-negative.

function requireRef(value: string, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new DomainError('ledger.invalid_account', `${field} must be a non-empty string`, 400, { field });
  }
  return value;
}

function requirePositive(value: number, field: string): void {
  assertMinorUnits(value, field);
  if (value === 0) {
    throw new DomainError('ledger.empty_posting', `${field} must be greater than zero`, 422, { field });
  }
}

function requireCurrency(currency: Currency): void {
  if (!isCurrency(currency)) {
    throw new DomainError('money.invalid_currency', `unknown currency ${String(currency)}`, 400, { currency });
  }
}

function posting(currency: Currency, legs: ReadonlyArray<readonly [LedgerAccount, number]>): LedgerEntry[] {
  const entries = legs
    .filter(([, amountMinor]) => amountMinor !== 0)
    .map(([account, amountMinor]) => ({ account, amountMinor, currency }));
  assertBalanced(entries);
  return entries;
}

/** A verified payment lands at Chapa and is held for the booking: cash ↑, escrow ↑. */
export function paymentCapturedPosting(input: { bookingId: string; currency: Currency; amountMinor: number }): LedgerEntry[] {
  requireCurrency(input.currency);
  requirePositive(input.amountMinor, 'amountMinor');
  return posting(input.currency, [
    [Accounts.platformCash(), input.amountMinor],
    [Accounts.escrow(input.bookingId), -input.amountMinor],
  ]);
}

/**
 * Settles an escrow in one go: part to refunds_payable, part to the tutor's wallet, the fee to
 * platform revenue. Precondition: the split was made from the escrow's whole balance
 * (`splitByRefundBps(held, …)`), so the escrow ends at exactly zero. Release and refund are the
 * special cases below.
 */
export function escrowSettledPosting(input: {
  bookingId: string;
  tutorId: string;
  currency: Currency;
  split: RefundSplit;
}): LedgerEntry[] {
  const { bookingId, tutorId, currency, split } = input;
  requireCurrency(currency);
  assertMinorUnits(split.refundAmount, 'refundAmount');
  assertMinorUnits(split.releasedToTutor, 'releasedToTutor');
  assertMinorUnits(split.platformFee, 'platformFee');
  const total = split.refundAmount + split.releasedToTutor + split.platformFee;
  requirePositive(total, 'escrow amount');
  return posting(currency, [
    [Accounts.escrow(bookingId), total],
    [Accounts.refundsPayable(bookingId), -split.refundAmount],
    [Accounts.tutorPayable(tutorId), -split.releasedToTutor],
    [Accounts.platformRevenue(), -split.platformFee],
  ]);
}

/** Release: escrow → tutor wallet + platform revenue (`split` from `splitRelease(held, feeBps)`). */
export function escrowReleasedPosting(input: {
  bookingId: string;
  tutorId: string;
  currency: Currency;
  split: ReleaseSplit;
}): LedgerEntry[] {
  return escrowSettledPosting({
    ...input,
    split: { refundAmount: 0, releasedToTutor: input.split.tutorAmount, platformFee: input.split.platformFee },
  });
}

/** Full refund decided: escrow → refunds_payable; the money leaves with `refundSettledPosting`. */
export function escrowRefundedPosting(input: { bookingId: string; currency: Currency; refundAmount: number }): LedgerEntry[] {
  requireCurrency(input.currency);
  requirePositive(input.refundAmount, 'refundAmount');
  return posting(input.currency, [
    [Accounts.escrow(input.bookingId), input.refundAmount],
    [Accounts.refundsPayable(input.bookingId), -input.refundAmount],
  ]);
}

/** Chapa confirmed a refund: refunds_payable → out of platform cash. Precondition: amount ≤ owed. */
export function refundSettledPosting(input: { bookingId: string; currency: Currency; amountMinor: number }): LedgerEntry[] {
  requireCurrency(input.currency);
  requirePositive(input.amountMinor, 'amountMinor');
  return posting(input.currency, [
    [Accounts.refundsPayable(input.bookingId), input.amountMinor],
    [Accounts.platformCash(), -input.amountMinor],
  ]);
}

/**
 * A tutor withdraws: wallet → payouts_in_flight. `availableMinor` is the wallet's natural balance
 * read under the caller's lock; asking for more is the one precondition a user can break, so it
 * is checked here (`wallet.insufficient_funds`, 422) rather than left to the caller.
 */
export function payoutRequestedPosting(input: {
  tutorId: string;
  currency: Currency;
  amountMinor: number;
  availableMinor: number;
}): LedgerEntry[] {
  requireCurrency(input.currency);
  requirePositive(input.amountMinor, 'amountMinor');
  assertMinorUnits(input.availableMinor, 'availableMinor');
  if (input.amountMinor > input.availableMinor) {
    throw new DomainError('wallet.insufficient_funds', 'the withdrawal exceeds the available balance', 422, {
      amountMinor: input.amountMinor,
      availableMinor: input.availableMinor,
    });
  }
  return posting(input.currency, [
    [Accounts.tutorPayable(input.tutorId), input.amountMinor],
    [Accounts.payoutsInFlight(input.tutorId), -input.amountMinor],
  ]);
}

/** Chapa's transfer succeeded: the money leaves platform cash. Precondition: the payout is in flight. */
export function payoutSucceededPosting(input: { tutorId: string; currency: Currency; amountMinor: number }): LedgerEntry[] {
  requireCurrency(input.currency);
  requirePositive(input.amountMinor, 'amountMinor');
  return posting(input.currency, [
    [Accounts.payoutsInFlight(input.tutorId), input.amountMinor],
    [Accounts.platformCash(), -input.amountMinor],
  ]);
}

/** Chapa's transfer failed: the money returns to the wallet. Precondition: the payout is in flight. */
export function payoutFailedPosting(input: { tutorId: string; currency: Currency; amountMinor: number }): LedgerEntry[] {
  requireCurrency(input.currency);
  requirePositive(input.amountMinor, 'amountMinor');
  return posting(input.currency, [
    [Accounts.payoutsInFlight(input.tutorId), input.amountMinor],
    [Accounts.tutorPayable(input.tutorId), -input.amountMinor],
  ]);
}

/**
 * The bank returned a transfer that had succeeded: the money is back in platform cash and owed
 * to the tutor again (their wallet). Precondition: the payout succeeded (its money left cash).
 */
export function payoutReversedPosting(input: { tutorId: string; currency: Currency; amountMinor: number }): LedgerEntry[] {
  requireCurrency(input.currency);
  requirePositive(input.amountMinor, 'amountMinor');
  return posting(input.currency, [
    [Accounts.platformCash(), input.amountMinor],
    [Accounts.tutorPayable(input.tutorId), -input.amountMinor],
  ]);
}

/**
 * Money Chapa holds for a payment that failed verification (another amount or currency): cash ↑
 * and suspense ↑ by what Chapa says it received, in the currency it received it.
 */
export function paymentSuspendedPosting(input: { paymentId: string; currency: Currency; amountMinor: number }): LedgerEntry[] {
  requireCurrency(input.currency);
  requirePositive(input.amountMinor, 'amountMinor');
  return posting(input.currency, [
    [Accounts.platformCash(), input.amountMinor],
    [Accounts.suspense(input.paymentId), -input.amountMinor],
  ]);
}

/** An operator refunds suspended money: suspense → refunds_payable (then out with `refundSettledPosting`). */
export function suspenseRefundedPosting(input: { paymentId: string; bookingId: string; currency: Currency; amountMinor: number }): LedgerEntry[] {
  requireCurrency(input.currency);
  requirePositive(input.amountMinor, 'amountMinor');
  return posting(input.currency, [
    [Accounts.suspense(input.paymentId), input.amountMinor],
    [Accounts.refundsPayable(input.bookingId), -input.amountMinor],
  ]);
}
