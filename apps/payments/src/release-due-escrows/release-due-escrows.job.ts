import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock, counter } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { transition } from '../domain/escrow-status';
import { splitRelease } from '../domain/fee';
import { escrowReleasedPosting } from '../domain/ledger';
import { inTransaction, minor } from '../shared/db';
import { auditReleasedBatch, claimDueForRelease, markReleasedBatch } from '../stores/escrow.store';
import { LedgerStore, type Posting } from '../stores/ledger.store';

const released = counter('payments_escrows_released_total', 'Escrows released by the scheduled job');

/**
 * Releases every escrow whose release time has passed (ESCROW_RELEASE_CRON).
 *
 * Each batch is one short transaction that claims up to ESCROW_RELEASE_BATCH_SIZE due escrows
 * with FOR UPDATE SKIP LOCKED — so any number of replicas (or a manual release, or a refund
 * racing it) never touch the same escrow at once — and settles them set-based: one UPDATE for
 * the escrows, one INSERT for the ledger transactions, one for their entries, one for the
 * outbox events (the set-based statements are in stores/escrow.store.ts). Each escrow still gets its own balanced posting and its own escrow.released
 * event; the fee split is the domain's `splitRelease`.
 */
@Injectable()
export class ReleaseDueEscrowsJob implements OnModuleInit {
  private readonly logger = new Logger('EscrowRelease');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly ledger: LedgerStore,
    private readonly outbox: OutboxService,
    private readonly jobs: JobRunner,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('escrow-release', this.config.ESCROW_RELEASE_CRON, () => this.runOnce());
  }

  /**
   * Releases batches until nothing is due (or what is due is being handled elsewhere).
   * ESCROW_RELEASE_WORKERS batches run at a time, each worker on its own slice of tutors: SKIP
   * LOCKED keeps them apart from each other and from other replicas, and the slices keep their
   * postings off each other's wallet rows, so while one waits on Postgres the others write.
   */
  async runOnce(workers = this.config.ESCROW_RELEASE_WORKERS): Promise<number> {
    const counts = await Promise.all(Array.from({ length: workers }, (_, index) => this.drain({ index, of: workers })));
    const total = counts.reduce((a, b) => a + b, 0);
    if (total > 0) this.logger.log(`released ${total} escrow(s)`);
    return total;
  }

  private async drain(slice: { index: number; of: number }, maxBatches = 10_000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await inTransaction(this.ds, (em) => this.releaseBatch(em, slice));
      total += n;
      if (n < this.config.ESCROW_RELEASE_BATCH_SIZE) break;
    }
    return total;
  }

  private async releaseBatch(em: EntityManager, slice: { index: number; of: number }): Promise<number> {
    const now = this.clock.now();
    const due = await claimDueForRelease(em, now, this.config.ESCROW_RELEASE_BATCH_SIZE, slice);
    if (due.length === 0) return 0;
    const next = transition('release_scheduled', 'release');
    const plans = due.map((e) => ({ e, split: splitRelease(minor(e.amount_minor), this.config.PLATFORM_FEE_BPS) }));

    const updated = await markReleasedBatch(em, {
      ids: plans.map((p) => p.e.id),
      tutorMinor: plans.map((p) => p.split.tutorAmount),
      feeMinor: plans.map((p) => p.split.platformFee),
      now,
      next,
    });
    if (updated !== due.length) throw new Error(`release batch: updated ${updated} of ${due.length} claimed escrows`);

    const events: EventDataOf<'payments.escrow.released.v1'>[] = plans.map(({ e, split }) => ({
      escrowId: e.id,
      bookingId: e.booking_id,
      studentId: e.student_id,
      tutorId: e.tutor_id,
      tutorAmount: { amountMinor: split.tutorAmount, currency: e.currency },
      platformFee: { amountMinor: split.platformFee, currency: e.currency },
    }));
    await this.outbox.addMany(em, 'payments.escrow.released.v1', events);
    await auditReleasedBatch(
      em,
      plans.map((p) => p.e.booking_id),
      plans.map((p) => p.e.id),
      next,
    );
    // Last, so the accounts it locks are held only until the commit right after; the ledger
    // trigger takes platform revenue (shared by every batch) last of all (ADR 0020). Escrow and
    // tutor accounts were created at capture.
    const postings: Posting[] = plans.map(({ e, split }) => ({
      kind: 'escrow_released',
      idempotencyKey: `settle:${e.id}`,
      occurredAt: now,
      bookingId: e.booking_id,
      escrowId: e.id,
      paymentId: e.payment_id,
      memo: 'release_due',
      entries: escrowReleasedPosting({ bookingId: e.booking_id, tutorId: e.tutor_id, currency: e.currency, split }),
    }));
    await this.ledger.post(em, postings, { accountsExist: true });
    released.inc(due.length);
    return due.length;
  }
}
