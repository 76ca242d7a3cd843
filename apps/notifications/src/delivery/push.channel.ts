import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { DeliveryChannel, OutgoingNotification, SendOutcome } from './delivery-channel';
import { UnregisteredTokenError, type FcmClient } from './fcm-client';
import type { DeviceTokenStore } from '../stores/device-token.store';

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
    private readonly devices: DeviceTokenStore,
    private readonly fcm: FcmClient | undefined,
  ) {
    this.enabled = !!fcm;
  }

  async reachableUsers(em: EntityManager, userIds: string[]): Promise<Set<string>> {
    return this.devices.usersWithDevices(em, userIds);
  }

  async send(n: OutgoingNotification): Promise<SendOutcome> {
    if (!this.fcm) throw new Error('push is not configured (FCM_PROJECT_ID, FCM_SERVICE_ACCOUNT_JSON)');
    const tokens = await this.devices.tokensOf(this.dataSource.manager, n.userId);
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
          await this.devices.forget(this.dataSource.manager, token);
        } else {
          failure = err as Error;
        }
      }
    }
    if (failure) throw failure;
    return delivered > 0 ? 'sent' : 'skipped';
  }
}
