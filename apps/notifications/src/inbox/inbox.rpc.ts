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
import { actorChecks, AppError, Clock } from '@tutorhub/platform';
import { decodeCursor, encodeCursor } from './cursor';

interface NotificationRow {
  id: string;
  seq: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

const COLUMNS = 'id, seq, kind, title, body, data, created_at, read_at';
// (UPDATE … RETURNING is wrapped in a CTE throughout: TypeORM answers a bare UPDATE with
// [rows, count] instead of rows.)

/** The caller's own inbox. Nobody, admins included, reads or marks another user's notifications. */
@Injectable()
export class InboxRpc {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  @OnRpc(notificationsRpc.list)
  async list({ actor, data: input }: RpcContext<typeof notificationsRpc.list>): Promise<NotificationList> {
    const userId = requireActor(actor).userId;
    const before = input.cursor ? decodeCursor(input.cursor) : null;
    const rows: NotificationRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM notifications.notifications
        WHERE user_id = $1
          AND ($2::bigint IS NULL OR seq < $2::bigint)
          AND (NOT $3::boolean OR read_at IS NULL)
        ORDER BY seq DESC
        LIMIT $4`,
      [userId, before, input.unreadOnly, input.limit + 1],
    );
    const page = rows.slice(0, input.limit);
    return {
      items: page.map(toItem),
      unreadCount: await this.unread(userId),
      nextCursor: rows.length > input.limit ? encodeCursor(page[page.length - 1].seq) : null,
    };
  }

  @OnRpc(notificationsRpc.unreadCount)
  async unreadCount({ actor }: RpcContext<typeof notificationsRpc.unreadCount>): Promise<UnreadCountResult> {
    const userId = requireActor(actor).userId;
    return { unreadCount: await this.unread(userId) };
  }

  /** Idempotent: a notification read twice keeps the time it was first read. */
  @OnRpc(notificationsRpc.markRead)
  async markRead({ actor, data: { notificationId } }: RpcContext<typeof notificationsRpc.markRead>): Promise<NotificationItem> {
    const userId = requireActor(actor).userId;
    const [row]: NotificationRow[] = await this.dataSource.query(
      `WITH marked AS (
         UPDATE notifications.notifications SET read_at = COALESCE(read_at, $3)
          WHERE id = $1 AND user_id = $2
          RETURNING ${COLUMNS}
       ) SELECT * FROM marked`,
      [notificationId, userId, this.clock.now()],
    );
    if (!row) throw new AppError(404, 'notification.not_found', 'No such notification.');
    return toItem(row);
  }

  @OnRpc(notificationsRpc.markAllRead)
  async markAllRead({ actor }: RpcContext<typeof notificationsRpc.markAllRead>): Promise<MarkAllReadResult> {
    const userId = requireActor(actor).userId;
    const updated: unknown[] = await this.dataSource.query(
      `WITH marked AS (
         UPDATE notifications.notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL RETURNING id
       ) SELECT id FROM marked`,
      [userId, this.clock.now()],
    );
    return { updated: updated.length, unreadCount: await this.unread(userId) };
  }

  private async unread(userId: string): Promise<number> {
    const [row]: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM notifications.notifications WHERE user_id = $1 AND read_at IS NULL`,
      [userId],
    );
    return row.n;
  }
}

/** Also used by the device patterns. The notifications API has always answered `unauthorized`. */
export const { requireActor } = actorChecks({
  unauthenticated: { code: 'unauthorized', message: 'Sign in to see your notifications.' },
});

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
