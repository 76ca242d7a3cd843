import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { NotificationsConfig } from '../config';
import { NotificationStore } from '../stores/notification.store';

/**
 * Deletes notifications read longer ago than NOTIFICATIONS_READ_RETENTION_DAYS, with their
 * deliveries (docs/operations.md "Data retention"). Unread notifications are kept whatever their
 * age: they are the user's unread count, and deleting them would silently change it. A read
 * notification that still has a pending delivery waits for it to finish.
 *
 * Deliveries go first, in their own batches (NotificationStore.pruneRead). Every replica runs it (PRUNE_CRON); batches claim rows
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
    private readonly notifications: NotificationStore,
    @Inject(CONFIG) private readonly config: NotificationsConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('notifications-retention', this.config.PRUNE_CRON, () => this.runOnce());
  }

  async runOnce(): Promise<{ deliveries: number; notifications: number }> {
    const readBefore = new Date(this.clock.now().getTime() - this.config.NOTIFICATIONS_READ_RETENTION_DAYS * 86_400_000);
    return this.notifications.pruneRead(this.ds, readBefore, this.config.PRUNE_BATCH_SIZE);
  }
}
