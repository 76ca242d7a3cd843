import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { channelsFor } from '../domain/delivery-policy';
import type { NotificationDraft } from '../domain/notification-kinds';
import { DELIVERY_CHANNELS, type DeliveryChannel } from '../delivery/delivery-channel';

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
    @Inject(DELIVERY_CHANNELS) private readonly channels: DeliveryChannel[],
  ) {}

  async write(em: EntityManager, drafts: NotificationDraft[], sourceEventId: string | null): Promise<WrittenNotification[]> {
    const written: WrittenNotification[] = [];
    for (const draft of drafts) {
      const now = this.clock.now();
      const id = randomUUID();
      const inserted: Array<{ id: string }> = await em.query(
        `INSERT INTO notifications.notifications (id, user_id, kind, title, body, data, dedupe_key, source_event_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ON CONSTRAINT notifications_dedupe_uq DO NOTHING
         RETURNING id`,
        [id, draft.userId, draft.kind, draft.title, draft.body, JSON.stringify(draft.data), draft.dedupeKey, sourceEventId, now],
      );
      if (inserted.length === 0) continue;
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
      await em.query(
        `INSERT INTO notifications.deliveries
           (id, notification_id, channel, status, attempts, next_attempt_at, created_at, updated_at, sent_at)
         VALUES ($1, $2, $3, $4, 0, $5, $6, $6, $7)`,
        channel.transactional
          ? [randomUUID(), notificationId, name, 'sent', null, now, now]
          : [randomUUID(), notificationId, name, 'pending', now, now, null],
      );
    }
  }
}
