import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  notificationsRpc,
  type RegisterDeviceResult,
} from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { DeviceTokenStore } from '../stores/device-token.store';

/** Devices a user may have registered at once; the least recently registered go first. */
export const MAX_DEVICES_PER_USER = 10;

/** Push device tokens (FCM registration tokens) of the caller's devices. */
@Injectable()
export class DevicesRpc {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly store: DeviceTokenStore,
  ) {}

  /** A token identifies one app install: registering it again (even as another user) moves it. */
  @OnRpc(notificationsRpc.registerDevice)
  async register({ actor, data: input }: RpcContext<typeof notificationsRpc.registerDevice>): Promise<RegisterDeviceResult> {
    const userId = actor.userId;
    const now = this.clock.now();
    await this.dataSource.transaction(async (em) => {
      await this.store.upsert(em, input.token, userId, input.platform, now);
      await this.store.keepNewest(em, userId, MAX_DEVICES_PER_USER);
    });
    return { token: input.token, platform: input.platform };
  }

  /** Idempotent; only the caller's own token is removed. */
  @OnRpc(notificationsRpc.unregisterDevice)
  async unregister({ actor, data: input }: RpcContext<typeof notificationsRpc.unregisterDevice>): Promise<{ removed: boolean }> {
    const userId = actor.userId;
    const removed = await this.store.removeOwn(this.dataSource.manager, input.token, userId);
    return { removed };
  }
}
