import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { notificationsRpc, type StreamCatchUpResult } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { NotificationStore } from '../stores/notification.store';

/**
 * The gateway's live stream asks here what its user missed: every notification after the
 * stream's last `seq`, oldest first, in pages (ADR 0018). The inbox rows are the record; the
 * live feed only hints. Without a position it answers the user's newest `seq`, from which the
 * stream can catch up later.
 */
@Injectable()
export class StreamCatchUpRpc {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: NotificationStore,
  ) {}

  @OnRpc(notificationsRpc.streamCatchUp)
  async catchUp({ actor, data: input }: RpcContext<typeof notificationsRpc.streamCatchUp>): Promise<StreamCatchUpResult> {
    const userId = actor.userId;
    const em = this.dataSource.manager;
    if (!input.after) return { items: [], last: await this.store.lastSeq(em, userId), more: false };
    const rows = await this.store.liveAfter(em, userId, input.after, input.limit + 1);
    const items = rows.slice(0, input.limit);
    return { items, last: items.at(-1)?.seq ?? input.after, more: rows.length > input.limit };
  }
}
