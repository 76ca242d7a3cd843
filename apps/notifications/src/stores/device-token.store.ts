import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Push device tokens (FCM registration tokens), one row per app install. */
@Injectable()
export class DeviceTokenStore {
  /** A token identifies one app install: registering it again (even as another user) moves it. */
  async upsert(em: EntityManager, token: string, userId: string, platform: string, now: Date): Promise<void> {
    await em.query(
      `INSERT INTO notifications.device_tokens (token, user_id, platform, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, updated_at = EXCLUDED.updated_at`,
      [token, userId, platform, now],
    );
  }

  /** Keeps the user's `max` most recently registered tokens. */
  async keepNewest(em: EntityManager, userId: string, max: number): Promise<void> {
    await em.query(
      `DELETE FROM notifications.device_tokens WHERE user_id = $1 AND token NOT IN (
         SELECT token FROM notifications.device_tokens WHERE user_id = $1 ORDER BY updated_at DESC, token LIMIT $2)`,
      [userId, max],
    );
  }

  /** Removes the token only if it is the user's; whether anything was removed. */
  async removeOwn(em: EntityManager, token: string, userId: string): Promise<boolean> {
    const removed: unknown[] = await em.query(
      `WITH removed AS (
         DELETE FROM notifications.device_tokens WHERE token = $1 AND user_id = $2 RETURNING token
       ) SELECT token FROM removed`,
      [token, userId],
    );
    return removed.length > 0;
  }

  /** Which of these users have registered at least one device. */
  async usersWithDevices(em: EntityManager, userIds: string[]): Promise<Set<string>> {
    const rows: Array<{ user_id: string }> = await em.query(
      `SELECT DISTINCT user_id FROM notifications.device_tokens WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    return new Set(rows.map((r) => r.user_id));
  }

  async tokensOf(em: EntityManager, userId: string): Promise<Array<{ token: string }>> {
    return em.query(`SELECT token FROM notifications.device_tokens WHERE user_id = $1 ORDER BY updated_at DESC`, [userId]);
  }

  async forget(em: EntityManager, token: string): Promise<void> {
    await em.query(`DELETE FROM notifications.device_tokens WHERE token = $1`, [token]);
  }
}
