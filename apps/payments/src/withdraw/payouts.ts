import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, PayoutView, WalletWithdrawInput } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { AppError, Clock, counter } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import { ChapaError } from '../chapa/chapa-error';
import { ChapaClient, type ChapaTransferStatus } from '../chapa/chapa.client';
import type { PaymentsConfig } from '../config';
import { Accounts, payoutFailedPosting, payoutRequestedPosting, payoutReversedPosting, payoutSucceededPosting } from '../domain/ledger';
import { inTransaction, isoOf, minor } from '../shared/db';
import { LedgerStore } from '../stores/ledger.store';
import {
  claimDuePayout,
  deferPayout,
  findKnownPayout,
  findPayoutByReference,
  insertPayout,
  lockPayout,
  markPayoutReversed,
  markPayoutSettled,
  markPayoutSubmitted,
  payoutIdByKey,
  type PayoutRow,
} from './payout.store';

const payoutOutcomes = counter('payments_payouts_total', 'Payout outcomes', ['outcome']);

/** Payouts one reconciliation pass looks at, at most (each is claimed on its own). */
const PASS_LIMIT = 100;
/** Database work around the Chapa calls of one payout, generously. */
const DB_MARGIN_MS = 30_000;

/** What a reconciliation did with a payout. */
export type PayoutOutcome =
  | 'unknown_reference'
  | 'already_final'
  | 'resubmitted'
  | 'unavailable'
  | 'mismatch'
  | 'pending'
  | 'succeeded'
  | 'failed'
  | 'reversed'
  | 'not_reversed';

/**
 * Tutor withdrawals. The money leaves the wallet (tutor_payable → payouts_in_flight) in the
 * same transaction that records the payout, under a lock on the wallet account, so two
 * concurrent withdrawals can never spend the same balance (and the database CHECK would refuse
 * a negative one anyway). Chapa's transfer is then requested outside any transaction with our
 * unique reference; its final state — from the transfer webhook, the immediate verify, or the
 * reconciliation job — either books the money out of platform cash or returns it to the wallet.
 *
 * A payout is failed (money back to the wallet) only when Chapa confirms the transfer did not
 * happen: its verify reports it failed, or — after Chapa refused our request — it has no
 * transfer under our reference. A refusal alone proves nothing when an earlier attempt of the
 * same request timed out: that attempt may have been paid, and crediting the wallet back would
 * let the tutor withdraw the same money twice. While Chapa cannot tell, the payout stays open
 * and the reconciliation job asks again.
 *
 * A transfer the bank returns after it succeeded (`transfer.reversed`, confirmed by verify)
 * puts the money back into platform cash and the tutor's wallet, once; the payout becomes
 * `reversed` and `payments.payout.reversed.v1` tells the tutor.
 */
@Injectable()
export class Payouts {
  private readonly logger = new Logger('Payouts');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly chapa: ChapaClient,
    private readonly ledger: LedgerStore,
    private readonly outbox: OutboxService,
  ) {}

  async withdraw(actor: Actor, input: WalletWithdrawInput): Promise<PayoutView> {
    const { amount } = input;
    if (amount.currency !== 'ETB') {
      // Chapa's transfer API pays out ETB only.
      throw new AppError(422, 'payout.currency_unsupported', 'Withdrawals are possible in ETB only.');
    }
    const payoutId = await inTransaction(this.ds, async (em) => {
      const id = randomUUID();
      const now = this.clock.now();
      // The payout row first: a concurrent retry with the same idempotency key waits here for
      // the first to commit, then finds its payout instead of spending the money again.
      const inserted = await insertPayout(em, {
        id,
        tutorId: actor.userId,
        amountMinor: amount.amountMinor,
        currency: amount.currency,
        reference: `PO-${randomBytes(12).toString('hex')}`,
        bankCode: String(input.bankCode),
        accountNumber: input.accountNumber,
        accountName: input.accountName,
        idempotencyKey: input.idempotencyKey ?? null,
        now,
      });
      if (inserted.length === 0) {
        const existing = await payoutIdByKey(em, actor.userId, input.idempotencyKey);
        return existing.id;
      }
      const available = await this.ledger.lockBalance(em, Accounts.tutorPayable(actor.userId), amount.currency);
      // Throws wallet.insufficient_funds (422) and rolls the payout row back with it.
      const entries = payoutRequestedPosting({
        tutorId: actor.userId,
        currency: amount.currency,
        amountMinor: amount.amountMinor,
        availableMinor: available,
      });
      await this.ledger.post(em, [{ kind: 'payout_requested', idempotencyKey: `payout_requested:${id}`, occurredAt: now, payoutId: id, entries }]);
      await this.outbox.add(em, 'payments.payout.requested.v1', { payoutId: id, tutorId: actor.userId, amount });
      return id;
    });
    const created = await this.get(payoutId);
    if (created.status === 'pending') await this.submit(created);
    return view(await this.get(payoutId));
  }

  private get(id: string): Promise<PayoutRow> {
    return findKnownPayout(this.ds, id);
  }

  /** Asks Chapa for the transfer (safe to repeat: the reference is unique at Chapa). */
  private async submit(p: PayoutRow): Promise<void> {
    try {
      const res = await this.chapa.transfer({
        accountName: p.account_name,
        accountNumber: p.account_number,
        amountMinor: minor(p.amount_minor),
        currency: p.currency,
        reference: p.reference,
        bankCode: /^\d+$/.test(p.bank_code) ? Number(p.bank_code) : p.bank_code,
      });
      await this.markSubmitted(p.id, res.chapaReference ?? null);
    } catch (err) {
      if (err instanceof ChapaError && err.code === 'duplicate_reference') {
        await this.markSubmitted(p.id, null); // an earlier attempt got through
      } else if (err instanceof ChapaError && err.isBusinessRefusal) {
        // Chapa refused this request (bad bank code, account, balance…). Whether the transfer
        // exists is for its verify to say: an earlier, timed-out attempt may have been paid.
        await this.afterRefusal(p, err);
        return;
      } else {
        // Unknown whether Chapa got it: the reconciliation job verifies, then resubmits if needed.
        this.logger.warn(`payout ${p.id}: transfer request failed (${(err as Error).message}); will retry`);
        await this.later(p.id, (err as Error).message);
        return;
      }
    }
    await this.reconcile(p.reference, 'submit');
  }

  private async markSubmitted(id: string, chapaReference: string | null): Promise<void> {
    await inTransaction(this.ds, (em) => markPayoutSubmitted(em, id, chapaReference, new Date(this.clock.now().getTime() + 60_000), this.clock.now()));
  }

  /**
   * Chapa refused a transfer request. Only Chapa's verify decides: no transfer under our
   * reference → it did not happen (money back); a transfer → its state applies; no answer →
   * the payout stays open for the reconciliation job.
   */
  private async afterRefusal(p: PayoutRow, refusal: ChapaError): Promise<void> {
    const why = refusal.chapaMessage || refusal.message;
    let status: ChapaTransferStatus;
    try {
      status = await this.chapa.verifyTransfer(p.reference);
    } catch (err) {
      if (err instanceof ChapaError && err.code === 'not_found') {
        await this.settle(p.id, 'failed', why);
        return;
      }
      this.logger.warn(`payout ${p.id}: transfer refused (${why}) and not verifiable (${(err as Error).message}); left open`);
      payoutOutcomes.inc({ outcome: 'refused_unverified' });
      await this.later(p.id, `refused (${why}); verify failed: ${(err as Error).message}`);
      return;
    }
    if (status.state === 'pending') {
      this.logger.warn(`payout ${p.id}: Chapa refused a retry (${why}) but holds the transfer (${status.status})`);
      await this.markSubmitted(p.id, status.chapaReference ?? null);
      return;
    }
    await this.apply(p, status);
  }

  /**
   * Reads the transfer's state at Chapa and settles the payout when it is final. `hint` is what a
   * webhook claimed; a `reversed` hint makes a succeeded payout be verified again.
   */
  async reconcile(reference: string, source: string, hint: 'reversed' | null = null): Promise<PayoutOutcome> {
    const p = await findPayoutByReference(this.ds, reference);
    if (!p) {
      this.logger.warn(`${source}: no payout with reference ${JSON.stringify(reference.slice(0, 100))}; ignored`);
      return 'unknown_reference';
    }
    if (p.status === 'failed' || p.status === 'reversed') return 'already_final';
    if (p.status === 'succeeded' && hint !== 'reversed') return 'already_final';
    let status: ChapaTransferStatus;
    try {
      status = await this.chapa.verifyTransfer(reference);
    } catch (err) {
      if (err instanceof ChapaError && err.code === 'not_found' && p.status === 'pending') {
        await this.submit(p);
        return 'resubmitted';
      }
      if (p.status !== 'succeeded') await this.later(p.id, (err as Error).message);
      return 'unavailable';
    }
    return this.apply(p, status);
  }

  /** Applies Chapa's verified state of the transfer. */
  private async apply(p: PayoutRow, status: ChapaTransferStatus): Promise<PayoutOutcome> {
    const amountOk = status.amountMinor === undefined || status.amountMinor === minor(p.amount_minor);
    if (p.status === 'succeeded') {
      if (status.state !== 'reversed') {
        this.logger.warn(`payout ${p.id}: reversal announced, but Chapa reports the transfer ${status.status}; nothing changed`);
        return 'not_reversed';
      }
      if (!amountOk) {
        this.logger.error(`payout ${p.id}: Chapa reports a reversal of ${status.amountMinor} instead of ${p.amount_minor}; left for an operator`);
        payoutOutcomes.inc({ outcome: 'reversal_mismatch' });
        return 'mismatch';
      }
      return this.reverse(p.id, `chapa_${status.status}`);
    }
    if (status.state === 'succeeded') {
      if (!amountOk) {
        this.logger.error(`payout ${p.id}: Chapa reports ${status.amountMinor} instead of ${p.amount_minor}; left for an operator`);
        await this.later(p.id, 'amount mismatch at Chapa');
        return 'mismatch';
      }
      return this.settle(p.id, 'succeeded', null);
    }
    if (status.state === 'failed' || status.state === 'reversed') return this.settle(p.id, 'failed', `chapa_${status.status}`);
    await this.later(p.id, null);
    return 'pending';
  }

  /**
   * The bank returned a transfer that had succeeded: platform cash ↑, the tutor's wallet ↑, the
   * payout `reversed`. Exactly once (row lock + status + unique ledger key).
   */
  private async reverse(id: string, reason: string): Promise<PayoutOutcome> {
    const result = await inTransaction(this.ds, async (em) => {
      const p = await lockPayout(em, id);
      if (!p || p.status !== 'succeeded') return 'already_final' as const;
      const now = this.clock.now();
      const amount = { amountMinor: minor(p.amount_minor), currency: p.currency };
      await this.ledger.post(em, [
        {
          kind: 'payout_reversed',
          idempotencyKey: `payout_reversed:${p.id}`,
          occurredAt: now,
          payoutId: p.id,
          memo: reason,
          entries: payoutReversedPosting({ tutorId: p.tutor_id, currency: p.currency, amountMinor: amount.amountMinor }),
        },
      ]);
      await markPayoutReversed(em, p.id, reason.slice(0, 500), now);
      await this.outbox.add(em, 'payments.payout.reversed.v1', { payoutId: p.id, tutorId: p.tutor_id, amount, reason: reason.slice(0, 500) });
      return 'reversed' as const;
    });
    payoutOutcomes.inc({ outcome: result });
    if (result === 'reversed') this.logger.warn(`payout ${id} was reversed by the bank; the money is back in the tutor's wallet`);
    return result;
  }

  /** Final state, exactly once (row lock + status check + unique ledger key). */
  private async settle(id: string, outcome: 'succeeded' | 'failed', reason: string | null): Promise<PayoutOutcome> {
    const result = await inTransaction(this.ds, async (em): Promise<PayoutOutcome> => {
      const p = await lockPayout(em, id);
      if (!p || (p.status !== 'pending' && p.status !== 'submitted')) return 'already_final';
      const now = this.clock.now();
      const amount = { amountMinor: minor(p.amount_minor), currency: p.currency };
      const input = { tutorId: p.tutor_id, currency: p.currency, amountMinor: amount.amountMinor };
      await this.ledger.post(em, [
        {
          kind: outcome === 'succeeded' ? 'payout_succeeded' : 'payout_failed',
          idempotencyKey: `payout_settled:${p.id}`,
          occurredAt: now,
          payoutId: p.id,
          memo: reason,
          entries: outcome === 'succeeded' ? payoutSucceededPosting(input) : payoutFailedPosting(input),
        },
      ]);
      await markPayoutSettled(em, p.id, outcome, reason?.slice(0, 500) ?? null, now);
      if (outcome === 'succeeded') {
        await this.outbox.add(em, 'payments.payout.succeeded.v1', { payoutId: p.id, tutorId: p.tutor_id, amount });
      } else {
        await this.outbox.add(em, 'payments.payout.failed.v1', { payoutId: p.id, tutorId: p.tutor_id, amount, reason: reason?.slice(0, 500) ?? null });
      }
      return outcome;
    });
    payoutOutcomes.inc({ outcome: result });
    return result;
  }

  private async later(id: string, error: string | null): Promise<void> {
    const now = this.clock.now();
    await inTransaction(this.ds, (em) => deferPayout(em, id, error, now));
  }

  /** How long a claimed payout stays invisible to other runs: verify, resubmit, verify again. */
  leaseMs(): number {
    return 3 * this.chapa.worstCaseCallMs() + DB_MARGIN_MS;
  }

  /**
   * Re-checks open payouts whose time has come (lost webhooks, failed submissions). Each payout is
   * claimed on its own, with a lease covering the worst case of its Chapa calls, so a replica
   * never takes over a payout another one is still working on.
   */
  async reconcileOnce(): Promise<number> {
    let total = 0;
    while (total < PASS_LIMIT) {
      const now = this.clock.now();
      const p = await inTransaction(this.ds, (em) => claimDuePayout(em, now, new Date(now.getTime() + this.leaseMs())));
      if (!p) break;
      total += 1;
      await this.reconcile(p.reference, 'job');
    }
    return total;
  }
}

function view(p: PayoutRow): PayoutView {
  return {
    payoutId: p.id,
    status: p.status,
    amount: { amountMinor: minor(p.amount_minor), currency: p.currency },
    failureReason: p.failure_reason,
    createdAt: isoOf(p.created_at),
  };
}
