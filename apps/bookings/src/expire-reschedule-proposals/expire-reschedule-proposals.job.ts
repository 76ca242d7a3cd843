import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { BookingsConfig } from '../config';
import { proposalFacts } from '../shared/reschedule-proposals';
import { BookingStore } from '../stores/booking.store';
import { RescheduleStore } from '../stores/reschedule.store';

const BATCH_SIZE = 50;

/**
 * A reschedule proposal nobody answered by its `expiresAt` expires; the booking stays as it was,
 * and both participants are told (`reschedule.expired`). Every replica runs this on
 * BOOKING_EXPIRY_CRON: each batch claims due proposals with FOR UPDATE SKIP LOCKED, so an answer
 * being given right now (proposal row locked) is not raced.
 */
@Injectable()
export class ExpireProposalsJob implements OnModuleInit {
  constructor(
    private readonly ds: DataSource,
    private readonly jobs: JobRunner,
    private readonly clock: Clock,
    private readonly bookings: BookingStore,
    private readonly proposals: RescheduleStore,
    private readonly outbox: OutboxService,
    @Inject(CONFIG) private readonly config: BookingsConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('bookings.reschedule-expire', this.config.BOOKING_EXPIRY_CRON, () => this.runOnce());
  }

  /** One pass: expires every proposal due now, batch by batch; returns how many. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.ds.transaction(async (em) => {
        const now = this.clock.now();
        const due = await this.proposals.claimExpired(em, now, BATCH_SIZE);
        for (const p of due) {
          const booking = await this.bookings.view(em, p.bookingId);
          if (!booking) continue;
          await this.proposals.decide(em, p.id, 'expired', null, now);
          await this.outbox.add(em, 'bookings.reschedule.expired.v1', proposalFacts(booking, p));
        }
        return due.length;
      });
      total += n;
      if (n < BATCH_SIZE) return total;
    }
  }
}
