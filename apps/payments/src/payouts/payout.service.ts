import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, PayoutView, WalletWithdrawInput } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { AppError, Clock, counter } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import { ChapaError } from '../chapa/chapa-error';
import { ChapaClient, type ChapaTransferStatus } from '../chapa/chapa.client';
import type { PaymentsConfig } from '../config';
import { Accounts, payoutFailedPosting, payoutRequestedPosting, payoutSucceededPosting } from '../domain/ledger';
import type { Currency } from '../domain/money';
import { LedgerRepository } from '../ledger/ledger.repository';
import { inTransaction, isoOf, minor, one, rows, single } from '../shared/db';

const payoutOutcomes = counter('payments_payouts_total', 'Payout outcomes', ['outcome']);

interface PayoutRow {
  id: string;
  tutor_id: string;
  amount_minor: string;
  currency: Currency;
  status: 'pending' | 'submitted' | 'succeeded' | 'failed';
  reference: string;
  bank_code: string;
  account_number: string;
  account_name: string;
  chapa_reference: string | null;
  failure_reason: string | null;
  attempts: number;
  created_at: Date;
}

const LEASE_MS = 2 * 60_000;

/**
 * Tutor withdrawals. The money leaves the wallet (tutor_payable → payouts_in_flight) in the
 * same transaction that records the payout, under a lock on the wallet account, so two
 * concurrent withdrawals can never spend the same balance (and the database CHECK would refuse
 * a negative one anyway). Chapa's transfer is then requested outside any transaction with our
 * unique reference; its final state — from the transfer webhook, the immediate verify, or the
 * reconciliation job — either books the money out of platform cash or returns it to the wallet.
 */
@Injectable()
export class PayoutService implements OnModuleInit {
  private readonly logger = new Logger('Payouts');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly chapa: ChapaClient,
    private readonly ledger: LedgerRepository,
    private readonly outbox: OutboxService,
    private readonly jobs: JobRunner,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('payout-reconcile', this.config.PAYOUT_RECONCILE_CRON, () => this.reconcileOnce());
  }

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
      const inserted = await rows<{ id: string }>(
        em,
        `INSERT INTO payments.payouts (id, tutor_id, amount_minor, currency, status, reference, bank_code, account_number, account_name,
                                       idempotency_key, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $10, $10)
         ON CONFLICT (tutor_id, idempotency_key) DO NOTHING
         RETURNING id`,
        [
          id,
          actor.userId,
          amount.amountMinor,
          amount.currency,
          `PO-${randomBytes(12).toString('hex')}`,
          String(input.bankCode),
          input.accountNumber,
          input.accountName,
          input.idempotencyKey ?? null,
          now,
        ],
      );
      if (inserted.length === 0) {
        const existing = await single<{ id: string }>(
          em,
          `SELECT id FROM payments.payouts WHERE tutor_id = $1 AND idempotency_key = $2`,
          [actor.userId, input.idempotencyKey],
        );
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
    return single<PayoutRow>(this.ds, `SELECT * FROM payments.payouts WHERE id = $1`, [id]);
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
        // Chapa refused the transfer outright (bad bank code, account, amount…): money back.
        await this.settle(p.id, 'failed', err.chapaMessage || err.message);
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
    await inTransaction(this.ds, (em) =>
      em.query(
        `UPDATE payments.payouts SET status = 'submitted', chapa_reference = COALESCE($2, chapa_reference), last_error = NULL,
                next_attempt_at = $3, updated_at = $4
          WHERE id = $1 AND status = 'pending'`,
        [id, chapaReference, new Date(this.clock.now().getTime() + 60_000), this.clock.now()],
      ),
    );
  }

  /** Reads the transfer's state at Chapa and settles the payout when it is final. */
  async reconcile(reference: string, source: string): Promise<string> {
    const p = await one<PayoutRow>(this.ds, `SELECT * FROM payments.payouts WHERE reference = $1`, [reference]);
    if (!p) {
      this.logger.warn(`${source}: no payout with reference ${JSON.stringify(reference.slice(0, 100))}; ignored`);
      return 'unknown_reference';
    }
    if (p.status === 'succeeded' || p.status === 'failed') return 'already_final';
    let status: ChapaTransferStatus;
    try {
      status = await this.chapa.verifyTransfer(reference);
    } catch (err) {
      if (err instanceof ChapaError && err.code === 'not_found' && p.status === 'pending') {
        await this.submit(p);
        return 'resubmitted';
      }
      await this.later(p.id, (err as Error).message);
      return 'unavailable';
    }
    if (status.state === 'succeeded') {
      const amountOk = status.amountMinor === undefined || status.amountMinor === minor(p.amount_minor);
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

  /** Final state, exactly once (row lock + status check + unique ledger key). */
  private async settle(id: string, outcome: 'succeeded' | 'failed', reason: string | null): Promise<string> {
    const result = await inTransaction(this.ds, async (em) => {
      const p = await one<PayoutRow>(em, `SELECT * FROM payments.payouts WHERE id = $1 FOR UPDATE`, [id]);
      if (!p || p.status === 'succeeded' || p.status === 'failed') return 'already_final';
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
      await em.query(
        `UPDATE payments.payouts SET status = $2, failure_reason = $3, settled_at = $4, updated_at = $4 WHERE id = $1`,
        [p.id, outcome, reason?.slice(0, 500) ?? null, now],
      );
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
    await inTransaction(this.ds, (em) =>
      em.query(
        `UPDATE payments.payouts
            SET last_error = COALESCE($2, last_error),
                next_attempt_at = $3::timestamptz + make_interval(secs => least(3600, 30 * power(2, least(attempts, 10)))),
                updated_at = $3
          WHERE id = $1 AND status IN ('pending', 'submitted')`,
        [id, error, now],
      ),
    );
  }

  /** Re-checks open payouts whose time has come (lost webhooks, failed submissions). */
  async reconcileOnce(): Promise<number> {
    const now = this.clock.now();
    const claimed = await inTransaction(this.ds, (em) =>
      rows<PayoutRow>(
        em,
        `WITH due AS (
           SELECT id FROM payments.payouts
            WHERE status IN ('pending', 'submitted') AND next_attempt_at <= $1
            ORDER BY next_attempt_at LIMIT 100
              FOR UPDATE SKIP LOCKED
         )
         UPDATE payments.payouts p SET attempts = p.attempts + 1, next_attempt_at = $2, updated_at = $1
           FROM due WHERE p.id = due.id
         RETURNING p.*`,
        [now, new Date(now.getTime() + LEASE_MS)],
      ),
    );
    for (const p of claimed) await this.reconcile(p.reference, 'job');
    return claimed.length;
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
