import { Injectable } from '@nestjs/common';
import type { Client } from 'pg';
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

/** A notification as the live feed and its catch-up carry it (`LiveNotification` in libs/contracts). */
export interface LiveRow {
  seq: string;
  notificationId: string;
  userId: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** What one committed write announces on LIVE_CHANNEL: the rows, or (too large) their `seq`s. */
export type LivePayload = { n: LiveRow[] } | { refs: string[] };

/** Postgres channel of the live feed: NOTIFY is delivered at commit, in commit order (ADR 0018). */
export const LIVE_CHANNEL = 'notifications_live';
/** NOTIFY payloads must stay under 8000 bytes; a larger write announces its seqs only. */
const MAX_PAYLOAD_BYTES = 7900;

/** One live-feed forwarder per database: a session lock, released when its connection ends. */
export async function tryLeadLiveFeed(client: Client): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('notifications:live-feed')) AS ok`);
  return rows[0].ok;
}

/** Subscribes the connection to the writers' announcements (LIVE_CHANNEL). */
export async function listenLive(client: Client): Promise<void> {
  await client.query(`LISTEN ${LIVE_CHANNEL}`);
}

const LIVE_JSON = `json_build_object('seq', n.seq::text, 'notificationId', n.id, 'userId', n.user_id, 'kind', n.kind, 'title', n.title,
  'body', n.body, 'data', n.data, 'createdAt', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
// (UPDATE … RETURNING is wrapped in a CTE throughout: TypeORM answers a bare UPDATE with
// [rows, count] instead of rows.)

/** The inbox: `notifications.notifications`. */
@Injectable()
export class NotificationStore {
  /**
   * All drafts in ONE statement (each with the event it tells, if any: several events of a
   * batch can share the statement, ADR 0022); returns the rows that were new (a fact already told to that
   * user, by its dedupe key, is skipped), in `seq` order. The same statement:
   * - first takes a transaction lock per recipient (sorted, so two writers cannot deadlock on
   *   each other), before any `seq` is drawn: a user's notifications then commit in `seq` order,
   *   which is what lets a stream catch up with "everything after seq N" and miss nothing;
   * - announces the new rows on LIVE_CHANNEL, which Postgres delivers at commit only.
   */
  async insertMany(
    em: EntityManager,
    rows: ReadonlyArray<{ id: string; draft: NotificationDraft; sourceEventId: string | null }>,
    now: Date,
  ): Promise<LiveRow[]> {
    if (rows.length === 0) return [];
    const col = <T>(f: (r: { id: string; draft: NotificationDraft; sourceEventId: string | null }) => T) => rows.map(f);
    return em.query(
      `WITH locked AS (
         SELECT count(pg_advisory_xact_lock(hashtext('notifications:user'), hashtext(u))) AS n
           FROM (SELECT DISTINCT u FROM unnest($2::text[]) AS u ORDER BY u) s
       ), ins AS (
         INSERT INTO notifications.notifications (id, user_id, kind, title, body, data, dedupe_key, source_event_id, created_at)
         SELECT d.id, d.user_id::uuid, d.kind, d.title, d.body, d.data, d.dedupe_key, d.source_event_id, $9
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::uuid[])
                WITH ORDINALITY AS d(id, user_id, kind, title, body, data, dedupe_key, source_event_id, ord)
          CROSS JOIN locked
          ORDER BY d.ord
         ON CONFLICT ON CONSTRAINT notifications_dedupe_uq DO NOTHING
         RETURNING id, seq, user_id, kind, title, body, data, created_at
       ), live AS (
         SELECT json_agg(${LIVE_JSON} ORDER BY n.seq)::text AS whole, json_agg(n.seq::text ORDER BY n.seq)::text AS refs FROM ins n
       ), announced AS (
         SELECT pg_notify($10, CASE WHEN octet_length(whole) <= ${MAX_PAYLOAD_BYTES} THEN '{"n":' || whole || '}' ELSE '{"refs":' || refs || '}' END)
           FROM live WHERE whole IS NOT NULL
       )
       SELECT ${LIVE_JSON} AS row, (SELECT count(*) FROM announced) AS announced FROM ins n ORDER BY n.seq`,
      [
        col((r) => r.id),
        col((r) => r.draft.userId),
        col((r) => r.draft.kind),
        col((r) => r.draft.title),
        col((r) => r.draft.body),
        col((r) => JSON.stringify(r.draft.data)),
        col((r) => r.draft.dedupeKey),
        col((r) => r.sourceEventId),
        now,
        LIVE_CHANNEL,
      ],
    ).then((result: Array<{ row: LiveRow }>) => result.map((r) => r.row));
  }

  /** The live feed's rows by `seq` (a write too large for one NOTIFY announced only these). */
  async liveBySeqs(em: EntityManager, seqs: string[]): Promise<LiveRow[]> {
    const rows: Array<{ row: LiveRow }> = await em.query(
      `SELECT ${LIVE_JSON} AS row FROM notifications.notifications n WHERE n.seq = ANY($1::bigint[]) ORDER BY n.seq`,
      [seqs],
    );
    return rows.map((r) => r.row);
  }

  /** The user's notifications after `seq`, oldest first (stream catch-up). */
  async liveAfter(em: EntityManager, userId: string, after: string, limit: number): Promise<LiveRow[]> {
    const rows: Array<{ row: LiveRow }> = await em.query(
      `SELECT ${LIVE_JSON} AS row FROM notifications.notifications n
        WHERE n.user_id = $1 AND n.seq > $2::bigint
        ORDER BY n.seq
        LIMIT $3`,
      [userId, after, limit],
    );
    return rows.map((r) => r.row);
  }

  /** The user's newest `seq`, or null. */
  async lastSeq(em: EntityManager, userId: string): Promise<string | null> {
    const [row]: Array<{ seq: string | null }> = await em.query(
      `SELECT max(seq)::text AS seq FROM notifications.notifications WHERE user_id = $1`,
      [userId],
    );
    return row?.seq ?? null;
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
