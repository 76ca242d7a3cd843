import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  notificationsRpc,
  type RegisterDeviceResult,
} from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { requireActor } from '../inbox/inbox.rpc';

/** Devices a user may have registered at once; the least recently registered go first. */
export const MAX_DEVICES_PER_USER = 10;

/** Push device tokens (FCM registration tokens) of the caller's devices. */
@Injectable()
export class DevicesRpc {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** A token identifies one app install: registering it again (even as another user) moves it. */
  @OnRpc(notificationsRpc.registerDevice)
  async register({ actor, data: input }: RpcContext<typeof notificationsRpc.registerDevice>): Promise<RegisterDeviceResult> {
    const userId = requireActor(actor).userId;
    const now = this.clock.now();
    await this.dataSource.transaction(async (em) => {
      await em.query(
        `INSERT INTO notifications.device_tokens (token, user_id, platform, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, updated_at = EXCLUDED.updated_at`,
        [input.token, userId, input.platform, now],
      );
      await em.query(
        `DELETE FROM notifications.device_tokens WHERE user_id = $1 AND token NOT IN (
           SELECT token FROM notifications.device_tokens WHERE user_id = $1 ORDER BY updated_at DESC, token LIMIT $2)`,
        [userId, MAX_DEVICES_PER_USER],
      );
    });
    return { token: input.token, platform: input.platform };
  }

  /** Idempotent; only the caller's own token is removed. */
  @OnRpc(notificationsRpc.unregisterDevice)
  async unregister({ actor, data: input }: RpcContext<typeof notificationsRpc.unregisterDevice>): Promise<{ removed: boolean }> {
    const userId = requireActor(actor).userId;
    const removed: unknown[] = await this.dataSource.query(
      `WITH removed AS (
         DELETE FROM notifications.device_tokens WHERE token = $1 AND user_id = $2 RETURNING token
       ) SELECT token FROM removed`,
      [input.token, userId],
    );
    return { removed: removed.length > 0 };
  }
}
