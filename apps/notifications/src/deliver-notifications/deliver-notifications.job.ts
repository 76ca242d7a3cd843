import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, counter } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { NotificationsConfig } from '../config';
import { nextRetryDelaySeconds, type RetryPolicy } from '../domain/delivery-policy';
import { DELIVERY_CHANNELS, type DeliveryChannel, type SendOutcome } from '../delivery/delivery-channel';
import { DeliveryStore, type ClaimedDelivery, type DeliveryStatus } from '../stores/delivery.store';

const attemptsTotal = counter('notification_delivery_attempts_total', 'Delivery attempts, by channel and outcome', ['channel', 'outcome']);

/** Sends in flight at once per replica: enough to drain a batch, gentle on the SMTP server. */
const SEND_CONCURRENCY = 8;

export interface DeliveryPassResult {
  sent: number;
  skipped: number;
  retrying: number;
  failed: number;
}

/**
 * Attempts pending email/push deliveries, on every replica at once:
 * 1. claim a batch in a short transaction (FOR UPDATE SKIP LOCKED): count the attempt and push
 *    `next_attempt_at` out by the lease, so no other replica takes it while we send;
 * 2. send outside any transaction (a slow SMTP server holds no row lock and no connection);
 * 3. record the outcome, guarded by the attempt number so that a replica whose lease ran out
 *    cannot overwrite a newer attempt. Failures back off exponentially until the maximum
 *    number of attempts, then the delivery is `failed`. The inbox row is never touched.
 */
@Injectable()
export class DeliverNotificationsJob implements OnModuleInit {
  private readonly logger = new Logger('DeliverNotifications');
  private readonly policy: RetryPolicy;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    private readonly deliveries: DeliveryStore,
    @Inject(DELIVERY_CHANNELS) private readonly channels: DeliveryChannel[],
    @Inject(CONFIG) private readonly config: NotificationsConfig,
  ) {
    this.policy = {
      maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
      baseSeconds: config.DELIVERY_RETRY_BASE_SECONDS,
      maxSeconds: config.DELIVERY_RETRY_MAX_SECONDS,
    };
  }

  onModuleInit(): void {
    this.jobs.schedule('deliver-notifications', this.config.DELIVERY_CRON, () => this.runOnce());
  }

  async runOnce(): Promise<DeliveryPassResult> {
    const result: DeliveryPassResult = { sent: 0, skipped: 0, retrying: 0, failed: 0 };
    for (;;) {
      const claimed = await this.claim();
      await inParallel(claimed, SEND_CONCURRENCY, (row) => this.attempt(row, result));
      if (claimed.length < this.config.DELIVERY_BATCH_SIZE) break;
    }
    return result;
  }

  private async claim(): Promise<ClaimedDelivery[]> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.config.DELIVERY_LEASE_SECONDS * 1000);
    return this.deliveries.claim(this.dataSource.manager, now, this.config.DELIVERY_BATCH_SIZE, leaseUntil);
  }

  private async attempt(row: ClaimedDelivery, result: DeliveryPassResult): Promise<void> {
    const channel = this.channels.find((c) => c.name === row.channel && c.enabled);
    let outcome: SendOutcome | Error;
    if (!channel) {
      outcome = 'skipped';
    } else {
      try {
        outcome = await channel.send({
          notificationId: row.notification_id,
          userId: row.user_id,
          kind: row.kind,
          title: row.title,
          body: row.body,
          data: row.data,
          createdAt: row.created_at,
        });
      } catch (err) {
        outcome = err instanceof Error ? err : new Error(String(err));
      }
    }
    const now = this.clock.now();
    if (!(outcome instanceof Error)) {
      await this.record(row, outcome, null, channel ? null : 'channel not configured', now);
      attemptsTotal.inc({ channel: row.channel, outcome });
      result[outcome]++;
      return;
    }
    const delay = nextRetryDelaySeconds(row.attempts, this.policy);
    const error = outcome.message.slice(0, 1000);
    if (delay === null) {
      this.logger.warn(`${row.channel} delivery ${row.id} failed for good after ${row.attempts} attempts: ${error}`);
      await this.record(row, 'failed', null, error, now);
      attemptsTotal.inc({ channel: row.channel, outcome: 'failed' });
      result.failed++;
    } else {
      await this.record(row, 'pending', new Date(now.getTime() + delay * 1000), error, now);
      attemptsTotal.inc({ channel: row.channel, outcome: 'retry' });
      result.retrying++;
    }
  }

  private async record(
    row: ClaimedDelivery,
    status: DeliveryStatus,
    nextAttemptAt: Date | null,
    lastError: string | null,
    now: Date,
  ): Promise<void> {
    await this.deliveries.record(this.dataSource.manager, row, status, nextAttemptAt, lastError, now);
  }
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
