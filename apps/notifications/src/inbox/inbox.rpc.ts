import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  notificationsRpc,
  type MarkAllReadResult,
  type NotificationItem,
  type NotificationList,
  type UnreadCountResult,
} from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { NotificationStore, type NotificationRow } from '../stores/notification.store';
import { decodeCursor, encodeCursor } from './cursor';

/** The caller's own inbox. Nobody, admins included, reads or marks another user's notifications. */
@Injectable()
export class InboxRpc {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly store: NotificationStore,
  ) {}

  @OnRpc(notificationsRpc.list)
  async list({ actor, data: input }: RpcContext<typeof notificationsRpc.list>): Promise<NotificationList> {
    const userId = actor.userId;
    const before = input.cursor ? decodeCursor(input.cursor) : null;
    const rows = await this.store.page(this.dataSource.manager, userId, before, input.unreadOnly, input.limit + 1);
    const page = rows.slice(0, input.limit);
    return {
      items: page.map(toItem),
      unreadCount: await this.unread(userId),
      nextCursor: rows.length > input.limit ? encodeCursor(page[page.length - 1].seq) : null,
    };
  }

  @OnRpc(notificationsRpc.unreadCount)
  async unreadCount({ actor }: RpcContext<typeof notificationsRpc.unreadCount>): Promise<UnreadCountResult> {
    const userId = actor.userId;
    return { unreadCount: await this.unread(userId) };
  }

  /** Idempotent: a notification read twice keeps the time it was first read. */
  @OnRpc(notificationsRpc.markRead)
  async markRead({ actor, data: { notificationId } }: RpcContext<typeof notificationsRpc.markRead>): Promise<NotificationItem> {
    const userId = actor.userId;
    const row = await this.store.markRead(this.dataSource.manager, notificationId, userId, this.clock.now());
    if (!row) throw new AppError(404, 'notification.not_found', 'No such notification.');
    return toItem(row);
  }

  @OnRpc(notificationsRpc.markAllRead)
  async markAllRead({ actor }: RpcContext<typeof notificationsRpc.markAllRead>): Promise<MarkAllReadResult> {
    const userId = actor.userId;
    const updated = await this.store.markAllRead(this.dataSource.manager, userId, this.clock.now());
    return { updated, unreadCount: await this.unread(userId) };
  }

  private unread(userId: string): Promise<number> {
    return this.store.unreadCount(this.dataSource.manager, userId);
  }
}

function toItem(row: NotificationRow): NotificationItem {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    data: row.data,
    createdAt: row.created_at.toISOString(),
    readAt: row.read_at ? row.read_at.toISOString() : null,
  };
}
