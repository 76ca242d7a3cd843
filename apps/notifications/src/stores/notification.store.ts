import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { pruneInBatches } from '@tutorhub/messaging';
import type { NotificationDraft } from '../domain/notification-kinds';

export interface NotificationRow {
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

/** The inbox: `notifications.notifications`. */
@Injectable()
export class NotificationStore {
  /** False when the same fact was already told to this user (the dedupe key). */
  async insert(em: EntityManager, id: string, draft: NotificationDraft, sourceEventId: string | null, now: Date): Promise<boolean> {
    const inserted: Array<{ id: string }> = await em.query(
      `INSERT INTO notifications.notifications (id, user_id, kind, title, body, data, dedupe_key, source_event_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT ON CONSTRAINT notifications_dedupe_uq DO NOTHING
       RETURNING id`,
      [id, draft.userId, draft.kind, draft.title, draft.body, JSON.stringify(draft.data), draft.dedupeKey, sourceEventId, now],
    );
    return inserted.length > 0;
  }

  /** One page, newest first; `limit + 1` rows are asked for so the caller knows whether more follow. */
  async page(em: EntityManager, userId: string, before: string | null, unreadOnly: boolean, fetch: number): Promise<NotificationRow[]> {
    return em.query(
      `SELECT ${COLUMNS} FROM notifications.notifications
        WHERE user_id = $1
          AND ($2::bigint IS NULL OR seq < $2::bigint)
          AND (NOT $3::boolean OR read_at IS NULL)
        ORDER BY seq DESC
        LIMIT $4`,
      [userId, before, unreadOnly, fetch],
    );
  }

  async unreadCount(em: EntityManager, userId: string): Promise<number> {
    const [row]: Array<{ n: number }> = await em.query(
      `SELECT count(*)::int AS n FROM notifications.notifications WHERE user_id = $1 AND read_at IS NULL`,
      [userId],
    );
    return row.n;
  }

  /** Keeps the time it was first read; undefined if the user has no such notification. */
  async markRead(em: EntityManager, id: string, userId: string, now: Date): Promise<NotificationRow | undefined> {
    const [row]: NotificationRow[] = await em.query(
      `WITH marked AS (
         UPDATE notifications.notifications SET read_at = COALESCE(read_at, $3)
          WHERE id = $1 AND user_id = $2
          RETURNING ${COLUMNS}
       ) SELECT * FROM marked`,
      [id, userId, now],
    );
    return row;
  }

  /** How many were unread. */
  async markAllRead(em: EntityManager, userId: string, now: Date): Promise<number> {
    const updated: unknown[] = await em.query(
      `WITH marked AS (
         UPDATE notifications.notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL RETURNING id
       ) SELECT id FROM marked`,
      [userId, now],
    );
    return updated.length;
  }

  /** Who started the session, from the `session.started` notification we wrote for it. */
  async sessionStarter(em: EntityManager, sessionId: string): Promise<string | undefined> {
    const [row]: Array<{ started_by: string }> = await em.query(
      `SELECT data->>'startedBy' AS started_by FROM notifications.notifications
        WHERE dedupe_key = $1 AND kind = 'session.started' LIMIT 1`,
      [`session.started:${sessionId}`],
    );
    return row?.started_by;
  }

  /**
   * Deletes notifications read before `readBefore`, deliveries first (in their own batches, so
   * they are counted; the foreign key's cascade would delete them uncounted). A read
   * notification that still has a pending delivery waits for it to finish.
   */
  async pruneRead(ds: DataSource, readBefore: Date, batchSize: number): Promise<{ deliveries: number; notifications: number }> {
    // Due: read before the cutoff, and nothing of it still being sent.
    const due = (n: string) =>
      `${n}.read_at < $1 AND NOT EXISTS (SELECT 1 FROM notifications.deliveries p WHERE p.notification_id = ${n}.id AND p.status = 'pending')`;
    const deliveries = await pruneInBatches(ds, {
      table: 'notifications.deliveries',
      due: `notification_id IN (SELECT n.id FROM notifications.notifications n WHERE ${due('n')})`,
      params: [readBefore],
      batchSize,
    });
    const notifications = await pruneInBatches(ds, { table: 'notifications.notifications', due: due('notifications'), params: [readBefore], batchSize });
    return { deliveries, notifications };
  }
}
