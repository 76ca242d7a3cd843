import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '@tutorhub/platform';
import { channelsFor, type ChannelName } from '../domain/delivery-policy';
import type { NotificationDraft } from '../domain/notification-kinds';
import { DELIVERY_CHANNELS, type DeliveryChannel } from '../delivery/delivery-channel';
import { DeliveryStore, type PlannedDelivery } from '../stores/delivery.store';
import { NotificationStore } from '../stores/notification.store';

export interface WrittenNotification {
  id: string;
  seq: string;
  userId: string;
  kind: string;
}

/**
 * The one way into the inbox. In the caller's transaction, whatever the number of drafts:
 * - ONE statement writes the notification rows (a fact already told to that user, by its dedupe
 *   key, is skipped) and announces them to the live feed, delivered at commit (ADR 0018);
 * - one query per external channel that could apply finds which recipients it can reach (an
 *   address, a device), and ONE statement plans those deliveries. A user with no channel gets
 *   no delivery row: the inbox row is the in-app delivery.
 * Nothing is sent here: external channels are attempted by the delivery job after commit.
 */
@Injectable()
export class NotificationWriter {
  constructor(
    private readonly clock: Clock,
    private readonly notifications: NotificationStore,
    private readonly deliveries: DeliveryStore,
    @Inject(DELIVERY_CHANNELS) private readonly channels: DeliveryChannel[],
  ) {}

  async write(em: EntityManager, drafts: NotificationDraft[], sourceEventId: string | null): Promise<WrittenNotification[]> {
    return this.writeMany(em, drafts.map((draft) => ({ draft, sourceEventId })));
  }

  /** `write` for the drafts of several events at once, each with its own source (a batch, ADR 0022). */
  async writeMany(em: EntityManager, drafts: ReadonlyArray<{ draft: NotificationDraft; sourceEventId: string | null }>): Promise<WrittenNotification[]> {
    if (drafts.length === 0) return [];
    const now = this.clock.now();
    const rows = drafts.map(({ draft, sourceEventId }) => ({ id: randomUUID(), draft, sourceEventId }));
    const inserted = await this.notifications.insertMany(em, rows, now);
    const fresh = new Set(inserted.map((r) => r.notificationId));
    const written = rows.filter((r) => fresh.has(r.id));
    await this.planDeliveries(em, written, now);
    const seqOf = new Map(inserted.map((r) => [r.notificationId, r.seq]));
    return written.map((r) => ({ id: r.id, seq: seqOf.get(r.id) as string, userId: r.draft.userId, kind: r.draft.kind }));
  }

  private async planDeliveries(em: EntityManager, written: Array<{ id: string; draft: NotificationDraft }>, now: Date): Promise<void> {
    // The in-app channel is the inbox row itself (transactional): nothing to plan for it.
    const external = this.channels.filter((c) => c.enabled && !c.transactional);
    const planned: PlannedDelivery[] = [];
    for (const channel of external) {
      const wanted = written.filter((r) => channelsFor(r.draft.kind, r.draft.data).includes(channel.name as ChannelName));
      if (wanted.length === 0) continue;
      const reachable = await channel.reachableUsers(em, [...new Set(wanted.map((r) => r.draft.userId))]);
      for (const r of wanted) if (reachable.has(r.draft.userId)) planned.push({ notificationId: r.id, channel: channel.name });
    }
    await this.deliveries.planMany(em, planned, now);
  }
}
