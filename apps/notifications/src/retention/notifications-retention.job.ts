import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pruneInBatches } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { NotificationsConfig } from '../config';

/**
 * Deletes notifications read longer ago than NOTIFICATIONS_READ_RETENTION_DAYS, with their
 * deliveries (docs/operations.md "Data retention"). Unread notifications are kept whatever their
 * age: they are the user's unread count, and deleting them would silently change it. A read
 * notification that still has a pending delivery waits for it to finish.
 *
 * Deliveries go first, in their own batches, so the metric counts them (the foreign key's
 * cascade would delete them uncounted). Every replica runs it (PRUNE_CRON); batches claim rows
 * with SKIP LOCKED. The redelivery of an event whose notification was pruned is refused by the
 * consumer: the notification is pruned at least NOTIFICATIONS_READ_RETENTION_DAYS after it was
 * created, which config validation keeps beyond the inbox retention.
 */
@Injectable()
export class NotificationsRetentionJob implements OnModuleInit {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    @Inject(CONFIG) private readonly config: NotificationsConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('notifications-retention', this.config.PRUNE_CRON, () => this.runOnce());
  }

  async runOnce(): Promise<{ deliveries: number; notifications: number }> {
    const readBefore = new Date(this.clock.now().getTime() - this.config.NOTIFICATIONS_READ_RETENTION_DAYS * 86_400_000);
    const batchSize = this.config.PRUNE_BATCH_SIZE;
    // Due: read before the cutoff, and nothing of it still being sent.
    const due = (n: string) =>
      `${n}.read_at < $1 AND NOT EXISTS (SELECT 1 FROM notifications.deliveries p WHERE p.notification_id = ${n}.id AND p.status = 'pending')`;
    const deliveries = await pruneInBatches(this.ds, {
      table: 'notifications.deliveries',
      due: `notification_id IN (SELECT n.id FROM notifications.notifications n WHERE ${due('n')})`,
      params: [readBefore],
      batchSize,
    });
    const notifications = await pruneInBatches(this.ds, { table: 'notifications.notifications', due: due('notifications'), params: [readBefore], batchSize });
    return { deliveries, notifications };
  }
}
