import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { channelsFor } from '../domain/delivery-policy';
import type { NotificationDraft } from '../domain/notification-kinds';
import { DELIVERY_CHANNELS, type DeliveryChannel } from '../delivery/delivery-channel';
import { DeliveryStore } from '../stores/delivery.store';
import { NotificationStore } from '../stores/notification.store';

export interface WrittenNotification {
  id: string;
  userId: string;
  kind: string;
}

/**
 * The one way into the inbox. In the caller's transaction: the notification row (skipped if
 * the same fact was already told to this user), its `notifications.notification.created.v1`
 * event through the outbox, and one delivery row per channel it should go out on. Nothing is
 * sent here: external channels are attempted by the delivery job after commit.
 */
@Injectable()
export class NotificationWriter {
  constructor(
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
    private readonly notifications: NotificationStore,
    private readonly deliveries: DeliveryStore,
    @Inject(DELIVERY_CHANNELS) private readonly channels: DeliveryChannel[],
  ) {}

  async write(em: EntityManager, drafts: NotificationDraft[], sourceEventId: string | null): Promise<WrittenNotification[]> {
    const written: WrittenNotification[] = [];
    for (const draft of drafts) {
      const now = this.clock.now();
      const id = randomUUID();
      if (!(await this.notifications.insert(em, id, draft, sourceEventId, now))) continue;
      await this.outbox.add(em, 'notifications.notification.created.v1', {
        notificationId: id,
        userId: draft.userId,
        kind: draft.kind,
        title: draft.title,
        body: draft.body,
        data: draft.data,
        createdAt: now.toISOString(),
      });
      await this.planDeliveries(em, id, draft, now);
      written.push({ id, userId: draft.userId, kind: draft.kind });
    }
    return written;
  }

  private async planDeliveries(em: EntityManager, notificationId: string, draft: NotificationDraft, now: Date): Promise<void> {
    for (const name of channelsFor(draft.kind, draft.data)) {
      const channel = this.channels.find((c) => c.name === name);
      if (!channel?.enabled || !(await channel.reachable(em, draft.userId))) continue;
      await this.deliveries.plan(em, notificationId, name, channel.transactional, now);
    }
  }
}
