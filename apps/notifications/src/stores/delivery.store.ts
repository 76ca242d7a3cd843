import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ChannelName } from '../domain/delivery-policy';

export interface ClaimedDelivery {
  id: string;
  channel: ChannelName;
  attempts: number;
  notification_id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: Date;
}

export type DeliveryStatus = 'pending' | 'sent' | 'skipped' | 'failed';

export interface PlannedDelivery {
  notificationId: string;
  channel: ChannelName;
}

/** `notifications.deliveries`: one row per notification and external channel. */
@Injectable()
export class DeliveryStore {
  /** External deliveries, pending and due now, in ONE statement (none: no statement). */
  async planMany(em: EntityManager, planned: ReadonlyArray<PlannedDelivery>, now: Date): Promise<void> {
    if (planned.length === 0) return;
    await em.query(
      `INSERT INTO notifications.deliveries
         (id, notification_id, channel, status, attempts, next_attempt_at, created_at, updated_at)
       SELECT id, notification_id, channel, 'pending', 0, $4, $4, $4
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS p(id, notification_id, channel)`,
      [planned.map(() => randomUUID()), planned.map((p) => p.notificationId), planned.map((p) => p.channel), now],
    );
  }

  /**
   * Claims up to `limit` due deliveries (FOR UPDATE SKIP LOCKED): counts the attempt and pushes
   * `next_attempt_at` out to `leaseUntil`, so no other replica takes them while they are sent.
   */
  async claim(em: EntityManager, now: Date, limit: number, leaseUntil: Date): Promise<ClaimedDelivery[]> {
    return em.query(
      `WITH due AS (
         SELECT id FROM notifications.deliveries
          WHERE status = 'pending' AND next_attempt_at <= $1
          ORDER BY next_attempt_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE notifications.deliveries d
            SET attempts = d.attempts + 1, next_attempt_at = $3, updated_at = $1
           FROM due WHERE d.id = due.id
         RETURNING d.id, d.channel, d.attempts, d.notification_id
       )
       SELECT c.id, c.channel, c.attempts, c.notification_id, n.user_id, n.kind, n.title, n.body, n.data, n.created_at
         FROM claimed c JOIN notifications.notifications n ON n.id = c.notification_id`,
      [now, limit, leaseUntil],
    );
  }

  /** Guarded by the attempt number, so a replica whose lease ran out cannot overwrite a newer attempt. */
  async record(
    em: EntityManager,
    row: Pick<ClaimedDelivery, 'id' | 'attempts'>,
    status: DeliveryStatus,
    nextAttemptAt: Date | null,
    lastError: string | null,
    now: Date,
  ): Promise<void> {
    await em.query(
      `UPDATE notifications.deliveries
          SET status = $3, next_attempt_at = $4, last_error = COALESCE($5, last_error), updated_at = $6,
              sent_at = CASE WHEN $3 = 'sent' THEN $6 ELSE sent_at END
        WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [row.id, row.attempts, status, nextAttemptAt, lastError, now],
    );
  }
}
