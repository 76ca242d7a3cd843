import fc from 'fast-check';
import { splitRelease } from './fee';
import {
  Accounts,
  accountKey,
  assertBalanced,
  escrowRefundedPosting,
  escrowReleasedPosting,
  escrowSettledPosting,
  naturalBalance,
  normalSide,
  paymentCapturedPosting,
  payoutFailedPosting,
  payoutReversedPosting,
  paymentSuspendedPosting,
  suspenseRefundedPosting,
  payoutRequestedPosting,
  payoutSucceededPosting,
  refundSettledPosting,
  type AccountKind,
  type LedgerEntry,
} from './ledger';
import type { Currency } from './money';
import { splitByRefundBps } from './refund-split';

/** Entries as `[accountKey, signed amount]` pairs, for readable expectations. */
const legs = (entries: readonly LedgerEntry[]) => entries.map((e) => [accountKey(e.account), e.amountMinor, e.currency]);

describe('accounts', () => {
  it('keys platform accounts by kind and the others by kind and owner', () => {
    expect(accountKey(Accounts.platformCash())).toBe('platform_cash');
    expect(accountKey(Accounts.escrow('b1'))).toBe('escrow:b1');
    expect(accountKey(Accounts.tutorPayable('t1'))).toBe('tutor_payable:t1');
    expect(accountKey(Accounts.payoutsInFlight('t1'))).toBe('payouts_in_flight:t1');
    expect(accountKey(Accounts.refundsPayable('b1'))).toBe('refunds_payable:b1');
    expect(accountKey(Accounts.platformRevenue())).toBe('platform_revenue');
  });

  it('refuses an account without an owner', () => {
    expect(() => Accounts.escrow(' ')).toThrow(expect.objectContaining({ code: 'ledger.invalid_account' }));
  });

  it('reads cash on the debit side and everything else on the credit side', () => {
    expect(normalSide('platform_cash')).toBe('debit');
    expect(naturalBalance('platform_cash', 500)).toBe(500);
    expect(normalSide('tutor_payable')).toBe('credit');
    expect(naturalBalance('tutor_payable', -500)).toBe(500);
  });
});

describe('assertBalanced', () => {
  const cash = Accounts.platformCash();
  const escrow = Accounts.escrow('b1');

  it('accepts entries summing to zero per currency', () => {
    expect(() =>
      assertBalanced([
        { account: cash, amountMinor: 100, currency: 'ETB' },
        { account: escrow, amountMinor: -100, currency: 'ETB' },
        { account: cash, amountMinor: 7, currency: 'USD' },
        { account: escrow, amountMinor: -7, currency: 'USD' },
      ]),
    ).not.toThrow();
  });

  it('refuses a posting that balances only across currencies', () => {
    expect(() =>
      assertBalanced([
        { account: cash, amountMinor: 100, currency: 'ETB' },
        { account: escrow, amountMinor: -100, currency: 'USD' },
      ]),
    ).toThrow(expect.objectContaining({ code: 'ledger.unbalanced', status: 500 }));
  });

  it('refuses an imbalance hidden by float rounding', () => {
    const big = Number.MAX_SAFE_INTEGER;
    expect(() =>
      assertBalanced([
        { account: cash, amountMinor: big, currency: 'ETB' },
        { account: cash, amountMinor: 2, currency: 'ETB' },
        { account: escrow, amountMinor: -big, currency: 'ETB' },
        { account: escrow, amountMinor: -1, currency: 'ETB' },
      ]),
    ).toThrow(expect.objectContaining({ code: 'ledger.unbalanced', details: { currency: 'ETB', imbalanceMinor: '1' } }));
  });

  it('refuses fewer than two entries', () => {
    expect(() => assertBalanced([])).toThrow(expect.objectContaining({ code: 'ledger.unbalanced' }));
  });

  it.each([
    [0, 'ETB'],
    [1.5, 'ETB'],
    [Number.NaN, 'ETB'],
    [5, 'EUR'],
  ])('refuses an entry of %p %s', (amountMinor, currency) => {
    expect(() =>
      assertBalanced([
        { account: cash, amountMinor, currency: currency as Currency },
        { account: escrow, amountMinor: -amountMinor, currency: currency as Currency },
      ]),
    ).toThrow(expect.objectContaining({ code: 'ledger.invalid_entry' }));
  });

  it('refuses an unknown account kind', () => {
    expect(() =>
      assertBalanced([
        { account: { kind: 'clearing' as AccountKind, ref: null }, amountMinor: 1, currency: 'ETB' },
        { account: escrow, amountMinor: -1, currency: 'ETB' },
      ]),
    ).toThrow(expect.objectContaining({ code: 'ledger.invalid_entry' }));
  });
});

describe('posting builders', () => {
  it('payment captured: cash in, held in the booking’s escrow', () => {
    expect(legs(paymentCapturedPosting({ bookingId: 'b1', currency: 'ETB', amountMinor: 150_000 }))).toEqual([
      ['platform_cash', 150_000, 'ETB'],
      ['escrow:b1', -150_000, 'ETB'],
    ]);
  });

  it('release: escrow to the tutor’s wallet and the fee to revenue', () => {
    const split = splitRelease(150_000, 1500);
    expect(legs(escrowReleasedPosting({ bookingId: 'b1', tutorId: 't1', currency: 'ETB', split }))).toEqual([
      ['escrow:b1', 150_000, 'ETB'],
      ['tutor_payable:t1', -127_500, 'ETB'],
      ['platform_revenue', -22_500, 'ETB'],
    ]);
  });

  it('release without a fee has no revenue leg', () => {
    const split = splitRelease(1_000, 0);
    expect(legs(escrowReleasedPosting({ bookingId: 'b1', tutorId: 't1', currency: 'USD', split }))).toEqual([
      ['escrow:b1', 1_000, 'USD'],
      ['tutor_payable:t1', -1_000, 'USD'],
    ]);
  });

  it('refund: escrow to refunds payable, then out of cash once Chapa confirms', () => {
    expect(legs(escrowRefundedPosting({ bookingId: 'b1', currency: 'ETB', refundAmount: 150_000 }))).toEqual([
      ['escrow:b1', 150_000, 'ETB'],
      ['refunds_payable:b1', -150_000, 'ETB'],
    ]);
    expect(legs(refundSettledPosting({ bookingId: 'b1', currency: 'ETB', amountMinor: 150_000 }))).toEqual([
      ['refunds_payable:b1', 150_000, 'ETB'],
      ['platform_cash', -150_000, 'ETB'],
    ]);
  });

  it('partial refund and release in one posting', () => {
    const split = splitByRefundBps(101, 5000, 1500);
    expect(legs(escrowSettledPosting({ bookingId: 'b1', tutorId: 't1', currency: 'ETB', split }))).toEqual([
      ['escrow:b1', 101, 'ETB'],
      ['refunds_payable:b1', -51, 'ETB'],
      ['tutor_payable:t1', -43, 'ETB'],
      ['platform_revenue', -7, 'ETB'],
    ]);
  });

  it('payout: wallet to in flight, then out of cash or back to the wallet', () => {
    expect(legs(payoutRequestedPosting({ tutorId: 't1', currency: 'ETB', amountMinor: 500, availableMinor: 500 }))).toEqual([
      ['tutor_payable:t1', 500, 'ETB'],
      ['payouts_in_flight:t1', -500, 'ETB'],
    ]);
    expect(legs(payoutSucceededPosting({ tutorId: 't1', currency: 'ETB', amountMinor: 500 }))).toEqual([
      ['payouts_in_flight:t1', 500, 'ETB'],
      ['platform_cash', -500, 'ETB'],
    ]);
    expect(legs(payoutFailedPosting({ tutorId: 't1', currency: 'ETB', amountMinor: 500 }))).toEqual([
      ['payouts_in_flight:t1', 500, 'ETB'],
      ['tutor_payable:t1', -500, 'ETB'],
    ]);
  });

  it('payout reversed by the bank: back into cash and the wallet', () => {
    expect(legs(payoutReversedPosting({ tutorId: 't1', currency: 'ETB', amountMinor: 500 }))).toEqual([
      ['platform_cash', 500, 'ETB'],
      ['tutor_payable:t1', -500, 'ETB'],
    ]);
  });

  it('suspense: what Chapa received for a flagged payment, then out to refunds_payable', () => {
    expect(legs(paymentSuspendedPosting({ paymentId: 'p1', currency: 'USD', amountMinor: 7000 }))).toEqual([
      ['platform_cash', 7000, 'USD'],
      ['suspense:p1', -7000, 'USD'],
    ]);
    expect(legs(suspenseRefundedPosting({ paymentId: 'p1', bookingId: 'b1', currency: 'USD', amountMinor: 7000 }))).toEqual([
      ['suspense:p1', 7000, 'USD'],
      ['refunds_payable:b1', -7000, 'USD'],
    ]);
    expect(() => paymentSuspendedPosting({ paymentId: 'p1', currency: 'ETB', amountMinor: 0 })).toThrow(
      expect.objectContaining({ code: 'ledger.empty_posting' }),
    );
  });

  it('refuses a payout beyond the available balance', () => {
    expect(() => payoutRequestedPosting({ tutorId: 't1', currency: 'ETB', amountMinor: 501, availableMinor: 500 })).toThrow(
      expect.objectContaining({ code: 'wallet.insufficient_funds', status: 422 }),
    );
  });

  it('refuses zero, negative or fractional amounts and unknown currencies', () => {
    expect(() => paymentCapturedPosting({ bookingId: 'b1', currency: 'ETB', amountMinor: 0 })).toThrow(
      expect.objectContaining({ code: 'ledger.empty_posting' }),
    );
    expect(() => paymentCapturedPosting({ bookingId: 'b1', currency: 'ETB', amountMinor: -5 })).toThrow(
      expect.objectContaining({ code: 'money.invalid_amount' }),
    );
    expect(() => payoutSucceededPosting({ tutorId: 't1', currency: 'ETB', amountMinor: 2.5 })).toThrow(
      expect.objectContaining({ code: 'money.invalid_amount' }),
    );
    expect(() => refundSettledPosting({ bookingId: 'b1', currency: 'EUR' as Currency, amountMinor: 5 })).toThrow(
      expect.objectContaining({ code: 'money.invalid_currency' }),
    );
    expect(() =>
      escrowSettledPosting({
        bookingId: 'b1',
        tutorId: 't1',
        currency: 'ETB',
        split: { refundAmount: 0, releasedToTutor: 0, platformFee: 0 },
      }),
    ).toThrow(expect.objectContaining({ code: 'ledger.empty_posting' }));
  });
});

// --- property: random money movements through the builders only --------------------------------

type Op =
  | { op: 'pay'; tutor: number; currency: Currency; amount: number }
  | { op: 'release'; pick: number; feeBps: number }
  | { op: 'refund'; pick: number }
  | { op: 'split'; pick: number; refundBps: number; feeBps: number }
  | { op: 'settleRefund'; pick: number }
  | { op: 'payout'; pick: number; shareBps: number }
  | { op: 'payoutSucceeded'; pick: number }
  | { op: 'payoutFailed'; pick: number };

const currency = fc.constantFrom<Currency>('ETB', 'USD');
const tutor = fc.integer({ min: 0, max: 2 });
const pick = fc.nat();
const bps = fc.integer({ min: 0, max: 10000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('pay' as const),
    tutor,
    currency,
    amount: fc.oneof(fc.integer({ min: 1, max: 1_000_000_000 }), fc.constantFrom(1, 2, 3, 101)),
  }),
  fc.record({ op: fc.constant('release' as const), pick, feeBps: bps }),
  fc.record({ op: fc.constant('refund' as const), pick }),
  fc.record({ op: fc.constant('split' as const), pick, refundBps: fc.oneof(bps, fc.constantFrom(0, 5000, 10000)), feeBps: bps }),
  fc.record({ op: fc.constant('settleRefund' as const), pick }),
  // shareBps above 10000 asks for more than the wallet holds, which the builder must refuse.
  fc.record({ op: fc.constant('payout' as const), pick, shareBps: fc.integer({ min: 1, max: 12000 }) }),
  fc.record({ op: fc.constant('payoutSucceeded' as const), pick }),
  fc.record({ op: fc.constant('payoutFailed' as const), pick }),
);

/** Signed balances per (currency, account), kept only by applying builder output. */
class Books {
  private readonly balances = new Map<string, { kind: AccountKind; currency: Currency; sum: number }>();

  apply(entries: readonly LedgerEntry[]): void {
    const perCurrency = new Map<Currency, number>();
    for (const { account, amountMinor, currency } of entries) {
      const key = `${currency} ${accountKey(account)}`;
      const row = this.balances.get(key) ?? { kind: account.kind, currency, sum: 0 };
      row.sum += amountMinor;
      this.balances.set(key, row);
      perCurrency.set(currency, (perCurrency.get(currency) ?? 0) + amountMinor);
    }
    // Checked here independently of assertBalanced, which the builders already call.
    for (const sum of perCurrency.values()) expect(sum).toBe(0);
  }

  natural(currency: Currency, key: string): number {
    const row = this.balances.get(`${currency} ${key}`);
    return row === undefined ? 0 : naturalBalance(row.kind, row.sum);
  }

  rows() {
    return [...this.balances.values()];
  }
}

describe('ledger under random money movements', () => {
  it('balances every posting, keeps every balance non-negative and conserves money', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), (ops) => {
        const books = new Books();
        const open: Array<{ bookingId: string; tutorId: string; currency: Currency; amount: number }> = [];
        const owedRefunds: Array<{ bookingId: string; currency: Currency; amount: number }> = [];
        const inFlight: Array<{ tutorId: string; currency: Currency; amount: number }> = [];
        const external = { ETB: { paidIn: 0, refunded: 0, paidOut: 0 }, USD: { paidIn: 0, refunded: 0, paidOut: 0 } };
        const expectedWallet = new Map<string, number>();
        const addWallet = (tutorId: string, c: Currency, delta: number) =>
          expectedWallet.set(`${c} ${tutorId}`, (expectedWallet.get(`${c} ${tutorId}`) ?? 0) + delta);
        const takeFrom = <T>(list: T[], index: number): T | undefined =>
          list.length === 0 ? undefined : list.splice(index % list.length, 1)[0];
        let bookings = 0;

        for (const step of ops) {
          switch (step.op) {
            case 'pay': {
              const bookingId = `b${(bookings += 1)}`;
              const tutorId = `t${step.tutor}`;
              books.apply(paymentCapturedPosting({ bookingId, currency: step.currency, amountMinor: step.amount }));
              open.push({ bookingId, tutorId, currency: step.currency, amount: step.amount });
              external[step.currency].paidIn += step.amount;
              break;
            }
            case 'release': {
              const escrow = takeFrom(open, step.pick);
              if (!escrow) break;
              const split = splitRelease(escrow.amount, step.feeBps);
              books.apply(escrowReleasedPosting({ ...escrow, split }));
              addWallet(escrow.tutorId, escrow.currency, split.tutorAmount);
              break;
            }
            case 'refund': {
              const escrow = takeFrom(open, step.pick);
              if (!escrow) break;
              books.apply(escrowRefundedPosting({ ...escrow, refundAmount: escrow.amount }));
              owedRefunds.push({ bookingId: escrow.bookingId, currency: escrow.currency, amount: escrow.amount });
              break;
            }
            case 'split': {
              const escrow = takeFrom(open, step.pick);
              if (!escrow) break;
              const split = splitByRefundBps(escrow.amount, step.refundBps, step.feeBps);
              books.apply(escrowSettledPosting({ ...escrow, split }));
              addWallet(escrow.tutorId, escrow.currency, split.releasedToTutor);
              if (split.refundAmount > 0) {
                owedRefunds.push({ bookingId: escrow.bookingId, currency: escrow.currency, amount: split.refundAmount });
              }
              break;
            }
            case 'settleRefund': {
              const refund = takeFrom(owedRefunds, step.pick);
              if (!refund) break;
              books.apply(refundSettledPosting({ ...refund, amountMinor: refund.amount }));
              external[refund.currency].refunded += refund.amount;
              break;
            }
            case 'payout': {
              // Withdraw from a wallet that has seen money (or an empty one), a share of what the
              // ledger says is available.
              const wallets = [...expectedWallet.keys()];
              const [c, tutorId] = (wallets.length === 0 ? 'ETB t0' : wallets[step.pick % wallets.length]!).split(' ') as [
                Currency,
                string,
              ];
              const availableMinor = books.natural(c, accountKey(Accounts.tutorPayable(tutorId)));
              const amountMinor = Math.max(1, Math.floor((availableMinor * step.shareBps) / 10000));
              if (amountMinor > availableMinor) {
                expect(() => payoutRequestedPosting({ tutorId, currency: c, amountMinor, availableMinor })).toThrow(
                  expect.objectContaining({ code: 'wallet.insufficient_funds' }),
                );
                break;
              }
              books.apply(payoutRequestedPosting({ tutorId, currency: c, amountMinor, availableMinor }));
              inFlight.push({ tutorId, currency: c, amount: amountMinor });
              addWallet(tutorId, c, -amountMinor);
              break;
            }
            case 'payoutSucceeded': {
              const payout = takeFrom(inFlight, step.pick);
              if (!payout) break;
              books.apply(payoutSucceededPosting({ ...payout, amountMinor: payout.amount }));
              external[payout.currency].paidOut += payout.amount;
              break;
            }
            case 'payoutFailed': {
              const payout = takeFrom(inFlight, step.pick);
              if (!payout) break;
              books.apply(payoutFailedPosting({ ...payout, amountMinor: payout.amount }));
              addWallet(payout.tutorId, payout.currency, payout.amount);
              break;
            }
          }

          // No natural balance is ever negative.
          for (const row of books.rows()) expect(naturalBalance(row.kind, row.sum)).toBeGreaterThanOrEqual(0);

          // Conservation: the cash at Chapa is what came in less what left, and equals everything owed or earned.
          for (const c of ['ETB', 'USD'] as const) {
            const cash = books.natural(c, 'platform_cash');
            expect(cash).toBe(external[c].paidIn - external[c].refunded - external[c].paidOut);
            const owedOrEarned = books
              .rows()
              .filter((row) => row.currency === c && row.kind !== 'platform_cash')
              .reduce((total, row) => total + naturalBalance(row.kind, row.sum), 0);
            expect(owedOrEarned).toBe(cash);
          }

          // Each open escrow holds exactly its payment; each wallet holds what the model expects.
          for (const escrow of open) {
            expect(books.natural(escrow.currency, accountKey(Accounts.escrow(escrow.bookingId)))).toBe(escrow.amount);
          }
          for (const [key, expected] of expectedWallet) {
            const [c, tutorId] = key.split(' ') as [Currency, string];
            expect(books.natural(c, accountKey(Accounts.tutorPayable(tutorId)))).toBe(expected);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
