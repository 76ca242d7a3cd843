import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, counter } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import { ChapaError } from '../chapa/chapa-error';
import { ChapaClient } from '../chapa/chapa.client';
import type { PaymentsConfig } from '../config';
import { refundSettledPosting } from '../domain/ledger';
import type { Currency } from '../domain/money';
import { LedgerRepository } from '../ledger/ledger.repository';
import { inTransaction, minor, one, rows } from '../shared/db';

const refundOutcomes = counter('payments_refund_attempts_total', 'Refund attempts at Chapa by outcome', ['outcome']);

interface RefundRow {
  id: string;
  payment_id: string;
  booking_id: string;
  tx_ref: string;
  reference: string;
  amount_minor: string;
  currency: Currency;
  full_refund: boolean;
  reason: string;
  status: 'pending' | 'submitted' | 'succeeded' | 'failed';
  chapa_ref_id: string | null;
  attempts: number;
}

/** After this many failed attempts a refund stops retrying and waits for an operator ('failed'). */
const MAX_ATTEMPTS = 12;
/** A claimed refund is invisible to other runs this long (a crash mid-call frees it again). */
const LEASE_MS = 2 * 60_000;
const BATCH = 20;

/**
 * Sends decided refunds to Chapa and books them out of platform cash once Chapa confirms.
 *
 * A refund row is created in the same transaction as the escrow posting that moved the money to
 * refunds_payable, so it can never be forgotten. This processor claims due rows with FOR UPDATE
 * SKIP LOCKED and a lease (so every replica may run it), calls Chapa outside any transaction,
 * and records the answer. Our refund `reference` is unique at Chapa, which makes a repeated
 * submission harmless: a duplicate refusal means the first one got through, and we verify it.
 * Failures are retried with exponential backoff; the money stays in refunds_payable meanwhile.
 */
@Injectable()
export class RefundProcessor implements OnModuleInit {
  private readonly logger = new Logger('Refunds');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly chapa: ChapaClient,
    private readonly ledger: LedgerRepository,
    private readonly jobs: JobRunner,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('refunds', this.config.REFUND_PROCESS_CRON, () => this.runOnce());
  }

  /** Starts a pass shortly after the caller's transaction commits (the cron is the safety net). */
  kickSoon(): void {
    if (!this.config.JOBS_ENABLED) return; // tests run passes by hand
    setTimeout(() => void this.jobs.run('refunds', () => this.runOnce()), 250).unref();
  }

  /** One pass over every due refund; returns how many were looked at. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (let i = 0; i < 100; i++) {
      const claimed = await this.claim();
      for (const r of claimed) await this.process(r);
      total += claimed.length;
      if (claimed.length < BATCH) break;
    }
    return total;
  }

  private claim(): Promise<RefundRow[]> {
    const now = this.clock.now();
    return inTransaction(this.ds, (em) =>
      rows<RefundRow>(
        em,
        `WITH due AS (
           SELECT id FROM payments.refunds
            WHERE status IN ('pending', 'submitted') AND next_attempt_at <= $1
            ORDER BY next_attempt_at
            LIMIT $2
              FOR UPDATE SKIP LOCKED
         )
         UPDATE payments.refunds r
            SET attempts = r.attempts + 1, next_attempt_at = $3, updated_at = $1
           FROM due WHERE r.id = due.id
         RETURNING r.*`,
        [now, BATCH, new Date(now.getTime() + LEASE_MS)],
      ),
    );
  }

  private async process(r: RefundRow): Promise<void> {
    let refId = r.chapa_ref_id;
    if (r.status === 'pending') {
      try {
        const res = await this.chapa.refund(r.tx_ref, {
          // A full refund is sent without an amount: Chapa's docs disagree on partial refunds,
          // but all of them accept the full one.
          ...(r.full_refund ? {} : { amountMinor: minor(r.amount_minor) }),
          currency: r.currency,
          reason: r.reason.slice(0, 200),
          reference: r.reference,
          meta: { bookingId: r.booking_id, refundId: r.id },
        });
        refId = res.refId ?? null;
        refundOutcomes.inc({ outcome: 'submitted' });
      } catch (err) {
        if (!(err instanceof ChapaError && err.code === 'duplicate_reference')) {
          await this.failed(r, err);
          return;
        }
        // Our reference is already known to Chapa: an earlier attempt got through. Verify it.
      }
      await inTransaction(this.ds, (em) =>
        em.query(`UPDATE payments.refunds SET status = 'submitted', chapa_ref_id = $2, last_error = NULL, updated_at = $3 WHERE id = $1 AND status = 'pending'`, [
          r.id,
          refId,
          this.clock.now(),
        ]),
      );
    }
    let state: 'succeeded' | 'pending' | 'failed' | 'reversed';
    try {
      const status = await this.chapa.verifyRefund(refId ?? r.reference);
      state = status.state;
    } catch (err) {
      if (err instanceof ChapaError && err.code === 'not_found') {
        // Chapa has no trace of it: submit again (same reference, so never twice).
        await this.retryLater(r, 'pending', `refund not found at Chapa: ${err.message}`);
        return;
      }
      await this.retryLater(r, 'submitted', (err as Error).message);
      return;
    }
    if (state === 'succeeded') await this.settled(r.id);
    else if (state === 'pending') await this.retryLater(r, 'submitted', null);
    else await this.failed(r, new Error(`Chapa reports the refund ${state}`), true);
  }

  /** Chapa confirmed: refunds_payable → out of platform cash. Exactly once (row lock + key). */
  async settled(refundId: string): Promise<void> {
    await inTransaction(this.ds, async (em) => {
      const r = await one<RefundRow>(em, `SELECT * FROM payments.refunds WHERE id = $1 FOR UPDATE`, [refundId]);
      if (!r || r.status === 'succeeded') return;
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
      await em.query(
        `UPDATE payments.refunds SET status = 'succeeded', settled_at = $2, last_error = NULL, updated_at = $2 WHERE id = $1`,
        [r.id, now],
      );
    });
    refundOutcomes.inc({ outcome: 'succeeded' });
  }

  private async failed(r: RefundRow, err: unknown, chapaRejected = false): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    refundOutcomes.inc({ outcome: 'failed' });
    if (r.attempts >= MAX_ATTEMPTS) {
      this.logger.error(`refund ${r.id} (booking ${r.booking_id}) gave up after ${r.attempts} attempts: ${message}`);
      await inTransaction(this.ds, (em) =>
        em.query(`UPDATE payments.refunds SET status = 'failed', last_error = $2, updated_at = $3 WHERE id = $1`, [r.id, message, this.clock.now()]),
      );
      return;
    }
    this.logger.warn(`refund ${r.id} (booking ${r.booking_id}) attempt ${r.attempts} failed: ${message}`);
    // A refund Chapa accepted and then reported failed is submitted again under a new reference.
    const reference = chapaRejected ? `RF-${r.id.replace(/-/g, '')}-${r.attempts}` : r.reference;
    await this.retryLater({ ...r, reference }, 'pending', message);
  }

  private async retryLater(r: RefundRow, status: 'pending' | 'submitted', error: string | null): Promise<void> {
    const now = this.clock.now();
    const delay = Math.min(3_600_000, 30_000 * 2 ** Math.max(0, r.attempts - 1));
    await inTransaction(this.ds, (em) =>
      em.query(
        `UPDATE payments.refunds SET status = $2, reference = $3, last_error = COALESCE($4, last_error), next_attempt_at = $5, updated_at = $6
          WHERE id = $1 AND status IN ('pending', 'submitted')`,
        [r.id, status, r.reference, error, new Date(now.getTime() + delay), now],
      ),
    );
  }
}
