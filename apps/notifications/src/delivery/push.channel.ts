import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { DeliveryChannel, OutgoingNotification, SendOutcome } from './delivery-channel';
import { UnregisteredTokenError, type FcmClient } from './fcm-client';

/**
 * Push to every device the user registered, through FCM HTTP v1. Tokens FCM calls dead are
 * forgotten. If some device fails for another reason the whole delivery is retried later,
 * which may show the notification twice on the devices that did get it: rare, and harmless
 * next to losing it.
 */
export class PushChannel implements DeliveryChannel {
  readonly name = 'push' as const;
  readonly transactional = false;
  readonly enabled: boolean;
  private readonly logger = new Logger('PushChannel');

  constructor(
    private readonly dataSource: DataSource,
    private readonly fcm: FcmClient | undefined,
  ) {
    this.enabled = !!fcm;
  }

  async reachable(em: EntityManager, userId: string): Promise<boolean> {
    const rows: unknown[] = await em.query(`SELECT 1 FROM notifications.device_tokens WHERE user_id = $1 LIMIT 1`, [userId]);
    return rows.length > 0;
  }

  async send(n: OutgoingNotification): Promise<SendOutcome> {
    if (!this.fcm) throw new Error('push is not configured (FCM_PROJECT_ID, FCM_SERVICE_ACCOUNT_JSON)');
    const tokens: Array<{ token: string }> = await this.dataSource.query(
      `SELECT token FROM notifications.device_tokens WHERE user_id = $1 ORDER BY updated_at DESC`,
      [n.userId],
    );
    if (tokens.length === 0) return 'skipped';
    const message = {
      title: n.title,
      body: n.body,
      data: { notificationId: n.notificationId, kind: n.kind, data: JSON.stringify(n.data) },
    };
    let delivered = 0;
    let failure: Error | undefined;
    for (const { token } of tokens) {
      try {
        await this.fcm.send(token, message);
        delivered++;
      } catch (err) {
        if (err instanceof UnregisteredTokenError) {
          this.logger.log(`forgetting a dead device token of user ${n.userId}`);
          await this.dataSource.query(`DELETE FROM notifications.device_tokens WHERE token = $1`, [token]);
        } else {
          failure = err as Error;
        }
      }
    }
    if (failure) throw failure;
    return delivered > 0 ? 'sent' : 'skipped';
  }
}
