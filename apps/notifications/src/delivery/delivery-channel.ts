import type { EntityManager } from 'typeorm';
import type { ChannelName } from '../domain/delivery-policy';

/** A notification as it leaves for a channel. */
export interface OutgoingNotification {
  notificationId: string;
  userId: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

/**
 * `sent`: handed over. `skipped`: nobody to hand it to any more (the user has no device left,
 * no address). Anything thrown is a failure to retry with backoff.
 */
export type SendOutcome = 'sent' | 'skipped';

/**
 * One way of reaching a user. The in-app channel is the inbox row itself, written (and
 * announced to the live stream at commit) in the transaction that creates the notification; it
 * has no delivery row. The others are attempted afterwards by the delivery job, so a slow or
 * broken mail server or push service never holds up or rolls back the inbox.
 */
export interface DeliveryChannel {
  readonly name: ChannelName;
  /** Configured for this deployment (e.g. SMTP_URL set). */
  readonly enabled: boolean;
  /** Delivered by the inbox transaction itself (the inbox row is the delivery): no delivery row. */
  readonly transactional: boolean;
  /** Which of these users can be reached this way at all (an address, a device), seen in `em`: one query. */
  reachableUsers(em: EntityManager, userIds: string[]): Promise<Set<string>>;
  send(notification: OutgoingNotification): Promise<SendOutcome>;
}

/** Injection token of the list of channels. */
export const DELIVERY_CHANNELS = Symbol('DELIVERY_CHANNELS');

export class InAppChannel implements DeliveryChannel {
  readonly name = 'in_app' as const;
  readonly enabled = true;
  readonly transactional = true;
  async reachableUsers(_em: EntityManager, userIds: string[]): Promise<Set<string>> {
    return new Set(userIds);
  }
  async send(): Promise<SendOutcome> {
    return 'sent';
  }
}
