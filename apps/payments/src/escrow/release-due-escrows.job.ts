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
import { LedgerRepository, type Posting } from '../ledger/ledger.repository';
import type { EscrowRow } from './escrow.store';
import { inTransaction, minor, rows } from '../shared/db';

const released = counter('payments_escrows_released_total', 'Escrows released by the scheduled job');

type Claimed = Pick<EscrowRow, 'id' | 'booking_id' | 'payment_id' | 'student_id' | 'tutor_id' | 'amount_minor' | 'currency'>;

/**
 * Releases every escrow whose release time has passed (ESCROW_RELEASE_CRON).
 *
 * Each batch is one short transaction that claims up to ESCROW_RELEASE_BATCH_SIZE due escrows
 * with FOR UPDATE SKIP LOCKED — so any number of replicas (or a manual release, or a refund
 * racing it) never touch the same escrow at once — and settles them set-based: one UPDATE for
 * the escrows, one INSERT for the ledger transactions, one for their entries, one for the
 * outbox events. Each escrow still gets its own balanced posting and its own escrow.released
 * event; the fee split is the domain's `splitRelease`.
 */
@Injectable()
export class ReleaseDueEscrowsJob implements OnModuleInit {
  private readonly logger = new Logger('EscrowRelease');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly ledger: LedgerRepository,
    private readonly outbox: OutboxService,
    private readonly jobs: JobRunner,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('escrow-release', this.config.ESCROW_RELEASE_CRON, () => this.runOnce());
  }

  /**
   * Releases batches until nothing is due (or what is due is being handled elsewhere). Two
   * batches run at a time: SKIP LOCKED keeps them apart, and while one waits on Postgres the
   * other's rows are being written, which roughly doubles throughput on a backlog.
   */
  async runOnce(workers = 2): Promise<number> {
    const counts = await Promise.all(Array.from({ length: workers }, () => this.drain()));
    const total = counts.reduce((a, b) => a + b, 0);
    if (total > 0) this.logger.log(`released ${total} escrow(s)`);
    return total;
  }

  private async drain(maxBatches = 10_000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await inTransaction(this.ds, (em) => this.releaseBatch(em));
      total += n;
      if (n < this.config.ESCROW_RELEASE_BATCH_SIZE) break;
    }
    return total;
  }

  private async releaseBatch(em: EntityManager): Promise<number> {
    const now = this.clock.now();
    const due = await rows<Claimed>(
      em,
      `SELECT id, booking_id, payment_id, student_id, tutor_id, amount_minor, currency
         FROM payments.escrows
        WHERE status = 'release_scheduled' AND release_at <= $1
        ORDER BY release_at
        LIMIT $2
          FOR UPDATE SKIP LOCKED`,
      [now, this.config.ESCROW_RELEASE_BATCH_SIZE],
    );
    if (due.length === 0) return 0;
    const next = transition('release_scheduled', 'release');
    const plans = due.map((e) => ({ e, split: splitRelease(minor(e.amount_minor), this.config.PLATFORM_FEE_BPS) }));

    const updated = await rows<{ n: number }>(
      em,
      `WITH u AS (
         UPDATE payments.escrows e
            SET status = $5, refund_minor = 0, tutor_minor = x.tutor, fee_minor = x.fee,
                released_at = $4, settle_reason = 'release_due', version = e.version + 1, updated_at = $4
           FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS x(id, tutor, fee)
          WHERE e.id = x.id AND e.status = 'release_scheduled'
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM u`,
      [plans.map((p) => p.e.id), plans.map((p) => p.split.tutorAmount), plans.map((p) => p.split.platformFee), now, next],
    );
    if (updated[0].n !== due.length) throw new Error(`release batch: updated ${updated[0].n} of ${due.length} claimed escrows`);

    const events: EventDataOf<'payments.escrow.released.v1'>[] = plans.map(({ e, split }) => ({
      escrowId: e.id,
      bookingId: e.booking_id,
      studentId: e.student_id,
      tutorId: e.tutor_id,
      tutorAmount: { amountMinor: split.tutorAmount, currency: e.currency },
      platformFee: { amountMinor: split.platformFee, currency: e.currency },
    }));
    await this.outbox.addMany(em, 'payments.escrow.released.v1', events);
    await em.query(
      `INSERT INTO payments.escrow_audit (booking_id, escrow_id, action, outcome, from_status, to_status, source)
       SELECT b, e, 'release', 'applied', 'release_scheduled', $3, 'release_job' FROM unnest($1::uuid[], $2::uuid[]) AS x(b, e)`,
      [plans.map((p) => p.e.booking_id), plans.map((p) => p.e.id), next],
    );
    // Last, so the platform revenue account (locked by every batch's posting) is held only
    // until the commit right after. Escrow and tutor accounts were created at capture.
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
