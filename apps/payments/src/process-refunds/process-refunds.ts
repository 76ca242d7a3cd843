import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock, counter, gauge } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import { ChapaError } from '../chapa/chapa-error';
import { ChapaClient, type ChapaRefundStatus } from '../chapa/chapa.client';
import type { PaymentsConfig } from '../config';
import { refundSettledPosting } from '../domain/ledger';
import { inTransaction, minor } from '../shared/db';
import { LedgerStore } from '../stores/ledger.store';
import {
  claimDueRefund,
  countNeedingAttention,
  lockRefund,
  markRefundSucceeded,
  saveGaveUp,
  saveNeedsReview,
  saveRetryLater,
  saveSubmitted,
  type RefundRow,
  type RefundStatus,
} from '../stores/refund.store';

const refundOutcomes = counter('payments_refund_attempts_total', 'Refund attempts at Chapa by outcome', ['outcome']);
const refundMismatches = counter(
  'payments_refund_mismatches_total',
  'Refunds Chapa reported differently from what we asked (another amount, currency or refund): left for an operator',
  ['kind'],
);

const needingAttention = gauge(
  'payments_refunds_needing_attention',
  'Refunds waiting for an operator (failed after every attempt, or needs_review), as of the last refund pass',
  ['status'],
);

export type { RefundRow, RefundStatus };

/** After this many failed attempts a refund stops retrying and waits for an operator ('failed'). */
const MAX_ATTEMPTS = 12;
/** Rows one pass looks at, at most (each is claimed on its own). */
const PASS_LIMIT = 200;
/** Database work around the Chapa calls of one row, generously. */
const DB_MARGIN_MS = 30_000;

/**
 * Sends decided refunds to Chapa and books them out of platform cash once Chapa confirms.
 *
 * A refund row is created in the same transaction as the escrow posting that moved the money to
 * refunds_payable, so it can never be forgotten. This processor claims due rows with FOR UPDATE
 * SKIP LOCKED and a lease (so every replica may run it), calls Chapa outside any transaction,
 * and records the answer. Our refund `reference` is unique at Chapa, which makes a repeated
 * submission harmless: a duplicate refusal means the first one got through, and we verify it.
 * Failures are retried with exponential backoff; the money stays in refunds_payable meanwhile.
 *
 * LEASE. A row is claimed alone, and its lease (`next_attempt_at`) covers the worst case of
 * the work on it: two Chapa calls (refund, verify) each with every attempt timing out and the
 * longest backoff between them, plus a margin for the database. Claiming a batch under one
 * lease let the last rows of the batch outlive it and be claimed again by another replica.
 * Each claim also stamps a `lease_token`; every write of the processor is conditional on it,
 * so even a run that outlived its lease (a paused process) cannot overwrite the replica that
 * took the row over. Booking the refund (`settled`) is guarded by the row lock, the status and
 * the unique ledger key instead, so it happens once whoever gets there.
 *
 * TRUST. Chapa's answer is checked before anything is booked: the refund it verifies must be
 * ours (our reference, our tx_ref), in our currency, for the amount we asked. A refund Chapa
 * reports for another amount (or another refund) is never booked as asked: it becomes
 * `needs_review`, with what Chapa reported, logged as an error and counted in
 * `payments_refund_mismatches_total`; the money stays owed in refunds_payable until an operator
 * has looked (`GET /api/admin/refunds?status=needs_review`, then a re-check with
 * `POST /api/admin/refunds/:id/retry`). See docs/adr/0007.
 */
@Injectable()
export class ProcessRefunds {
  private readonly logger = new Logger('Refunds');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly chapa: ChapaClient,
    private readonly ledger: LedgerStore,
    private readonly jobs: JobRunner,
  ) {}

  /** Starts a pass shortly after the caller's transaction commits (the cron is the safety net). */
  kickSoon(): void {
    if (!this.config.JOBS_ENABLED) return; // tests run passes by hand
    setTimeout(() => void this.jobs.run('refunds', () => this.runOnce()), 250).unref();
  }

  /** How long a claimed row stays invisible to other runs: the worst case of processing it. */
  leaseMs(): number {
    return 2 * this.chapa.worstCaseCallMs() + DB_MARGIN_MS;
  }

  /** One pass over the due refunds (one claim per row); returns how many were looked at. */
  async runOnce(): Promise<number> {
    let total = 0;
    while (total < PASS_LIMIT) {
      const r = await this.claim();
      if (!r) break;
      total += 1;
      await this.process(r);
    }
    await this.reportAttention();
    return total;
  }

  /** For alerting: how many refunds wait for an operator (the same figure on every replica). */
  private async reportAttention(): Promise<void> {
    const counts = await countNeedingAttention(this.ds);
    for (const status of ['failed', 'needs_review']) needingAttention.set({ status }, counts.find((c) => c.status === status)?.n ?? 0);
  }

  private async claim(): Promise<RefundRow | undefined> {
    const now = this.clock.now();
    return inTransaction(this.ds, (em) => claimDueRefund(em, now, new Date(now.getTime() + this.leaseMs()), randomUUID()));
  }

  private async process(r: RefundRow): Promise<void> {
    const expected = minor(r.amount_minor);
    let refId = r.chapa_ref_id;
    let reported = r.chapa_amount_minor === null ? null : minor(r.chapa_amount_minor);
    if (r.status === 'pending') {
      try {
        const res = await this.chapa.refund(r.tx_ref, {
          // A full refund is sent without an amount: Chapa's docs disagree on partial refunds,
          // but all of them accept the full one.
          ...(r.full_refund ? {} : { amountMinor: expected }),
          currency: r.currency,
          reason: r.reason.slice(0, 200),
          reference: r.reference,
          meta: { bookingId: r.booking_id, refundId: r.id },
        });
        refId = res.refId ?? null;
        reported = res.amountMinor ?? null;
        refundOutcomes.inc({ outcome: 'submitted' });
      } catch (err) {
        if (!(err instanceof ChapaError && err.code === 'duplicate_reference')) {
          await this.failed(r, err);
          return;
        }
        // Our reference is already known to Chapa: an earlier attempt got through, and its answer
        // was lost. Look it up by our reference (a ref_id kept from an older attempt is not it).
        refId = null;
        reported = null;
      }
      const saved = await this.write(r, (em) => saveSubmitted(em, r, refId, reported, this.clock.now()));
      if (!saved) return;
      if (reported !== null && reported !== expected) {
        await this.needsReview(r, 'amount', reported, `Chapa accepted a refund of ${reported} instead of ${expected} ${r.currency}`);
        return;
      }
    }
    let status: ChapaRefundStatus;
    try {
      // Chapa's own id of the refund when it gave one, else our unique reference.
      status = await this.chapa.verifyRefund(refId ?? r.reference);
    } catch (err) {
      if (err instanceof ChapaError && err.code === 'not_found') {
        // Chapa has no trace of it: submit again (same reference, so never twice).
        await this.retryLater(r, 'pending', `refund not found at Chapa: ${err.message}`);
        return;
      }
      await this.retryLater(r, 'submitted', (err as Error).message);
      return;
    }
    // The refund Chapa describes must be ours before anything it says counts.
    // (`merchant_reference` is our refund reference as Chapa echoes it; a bare `reference` may be
    // Chapa's reference of the charge, so it proves nothing either way.)
    if ((status.merchantReference !== undefined && status.merchantReference !== r.reference) || (status.txRef !== undefined && status.txRef !== r.tx_ref)) {
      await this.needsReview(
        r,
        'identity',
        status.amountMinor ?? null,
        `Chapa's refund ${refId ?? r.reference} is for reference ${status.merchantReference ?? '?'} / tx_ref ${status.txRef ?? '?'}, not ours`,
      );
      return;
    }
    if (status.state === 'succeeded') {
      const amount = status.amountMinor ?? reported;
      if (status.currency !== undefined && status.currency !== r.currency) {
        await this.needsReview(r, 'currency', amount, `Chapa refunded in ${status.currency}, not ${r.currency}`);
      } else if (amount === null) {
        await this.needsReview(r, 'amount', null, 'Chapa confirmed the refund without saying how much it refunded');
      } else if (amount !== expected) {
        await this.needsReview(r, 'amount', amount, `Chapa refunded ${amount} instead of ${expected} ${r.currency}`);
      } else {
        await this.settled(r.id, status.refId ?? refId);
      }
    } else if (status.state === 'pending') {
      await this.retryLater(r, 'submitted', null);
    } else {
      await this.failed(r, new Error(`Chapa reports the refund ${status.state}`), true);
    }
  }

  /** Chapa confirmed the amount we asked: refunds_payable → out of platform cash. Exactly once (row lock + key). */
  async settled(refundId: string, chapaRefId: string | null = null): Promise<void> {
    await inTransaction(this.ds, async (em) => {
      const r = await lockRefund(em, refundId);
      // Only an open refund is booked: never twice, and never one that was meanwhile set aside
      // (needs_review, failed) by a run that took the row over.
      if (!r || (r.status !== 'pending' && r.status !== 'submitted')) return;
      const now = this.clock.now();
      await this.ledger.post(em, [
        {
          kind: 'refund_settled',
          idempotencyKey: `refund_settled:${r.id}`,
          occurredAt: now,
          bookingId: r.booking_id,
          paymentId: r.payment_id,
          refundId: r.id,
          entries: refundSettledPosting({ bookingId: r.booking_id, currency: r.currency, amountMinor: minor(r.amount_minor) }),
        },
      ]);
      await markRefundSucceeded(em, r.id, chapaRefId, now);
    });
    refundOutcomes.inc({ outcome: 'succeeded' });
  }

  private async needsReview(r: RefundRow, kind: string, reported: number | null, detail: string): Promise<void> {
    refundMismatches.inc({ kind });
    refundOutcomes.inc({ outcome: 'needs_review' });
    this.logger.error(`refund ${r.id} (booking ${r.booking_id}, tx_ref ${r.tx_ref}) needs review: ${detail}; nothing booked`);
    await this.write(r, (em) => saveNeedsReview(em, r, reported, detail.slice(0, 500), this.clock.now()));
  }

  private async failed(r: RefundRow, err: unknown, chapaRejected = false): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    refundOutcomes.inc({ outcome: 'failed' });
    if (r.attempts >= MAX_ATTEMPTS) {
      this.logger.error(`refund ${r.id} (booking ${r.booking_id}) gave up after ${r.attempts} attempts: ${message}`);
      await this.write(r, (em) => saveGaveUp(em, r, message.slice(0, 500), this.clock.now()));
      return;
    }
    this.logger.warn(`refund ${r.id} (booking ${r.booking_id}) attempt ${r.attempts} failed: ${message}`);
    // A refund Chapa accepted and then reported failed is submitted again under a new reference
    // (and Chapa's id of the failed one is forgotten).
    await this.retryLater(r, 'pending', message, chapaRejected ? `RF-${r.id.replace(/-/g, '')}-${r.attempts}` : undefined);
  }

  private async retryLater(r: RefundRow, status: 'pending' | 'submitted', error: string | null, newReference?: string): Promise<void> {
    const now = this.clock.now();
    const delay = Math.min(3_600_000, 30_000 * 2 ** Math.max(0, r.attempts - 1));
    await this.write(r, (em) =>
      saveRetryLater(em, r, {
        status,
        newReference: newReference ?? null,
        error: error?.slice(0, 500) ?? null,
        nextAttemptAt: new Date(now.getTime() + delay),
        now,
      }),
    );
  }

  /** A write of this run: only while it still holds the row's lease. Returns whether it did. */
  private async write(r: RefundRow, save: (em: EntityManager) => Promise<boolean>): Promise<boolean> {
    const wrote = await inTransaction(this.ds, save);
    if (!wrote) this.logger.warn(`refund ${r.id}: lease lost to another run; its result is left to that run`);
    return wrote;
  }
}
