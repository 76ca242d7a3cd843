import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { BookingsConfig } from '../config';
import { BookingStore, parties } from '../stores/booking.store';

const BATCH_SIZE = 50;

/**
 * Expires requests the tutor did not accept by their accept deadline and accepted bookings the
 * student did not pay by the start (deadlines are inclusive: a booking expires once now is past
 * them). Deadlines were fixed when the booking was made, so changing the configuration later does
 * not move anyone's deadline.
 *
 * Every replica runs this on BOOKING_EXPIRY_CRON. Each batch is one short transaction that
 * claims due rows with FOR UPDATE SKIP LOCKED: replicas split the work instead of waiting on each
 * other, and a booking that a tutor is accepting right now (row locked) is skipped and looked at
 * again next time — by then it is accepted, or still due.
 */
@Injectable()
export class ExpireBookingsJob implements OnModuleInit {
  constructor(
    private readonly ds: DataSource,
    private readonly jobs: JobRunner,
    private readonly clock: Clock,
    private readonly store: BookingStore,
    private readonly outbox: OutboxService,
    @Inject(CONFIG) private readonly config: BookingsConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('bookings.expire', this.config.BOOKING_EXPIRY_CRON, () => this.runOnce());
  }

  /** One pass: expires everything due now, batch by batch; returns how many it expired. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.expireBatch();
      total += n;
      if (n < BATCH_SIZE) return total;
    }
  }

  private expireBatch(): Promise<number> {
    const now = this.clock.now();
    return this.ds.transaction(async (em) => {
      const due = await this.store.claimDueForExpiry(em, now, BATCH_SIZE);
      for (const id of due) {
        const booking = await this.store.lock(em, id);
        if (!booking) continue;
        const reason = booking.status === 'requested' ? 'not_accepted' : 'not_paid';
        const expired = await this.store.transition(em, booking, 'expire', { expiredAt: now, expiryReason: reason });
        await this.outbox.add(em, 'bookings.booking.expired.v1', { ...parties(expired), reason, previousStatus: booking.status });
      }
      return due.length;
    });
  }
}
