import { z } from 'zod';
import { NotificationCreatedV1 } from '../events/catalogue';

/*
 * The live notification feed (ADR 0018): how the notifications service tells the gateways'
 * open streams that a notification committed. It is NOT an integration event: messages are
 * transient (not persistent, no outbox), published after commit to a topic exchange of their
 * own, and may be lost. The inbox rows are the record; a stream that may have missed something
 * catches up over RPC (`notificationsRpc.streamCatchUp`) from the last `seq` it has sent.
 */

/** The topic exchange of live feeds (namespaced like every other broker name in tests). */
export const LIVE_EXCHANGE = 'tutorhub.live';

/** The position of a notification in its user's inbox: the inbox `seq`, a decimal string. */
export const notificationSeqSchema = z.string().regex(/^[1-9]\d{0,18}$/, 'not a notification sequence number');
/** A stream position: a `seq`, or `0` (before any notification). What a client sends as Last-Event-ID. */
export const streamPositionSchema = z.string().regex(/^(0|[1-9]\d{0,18})$/, 'not a stream position');

/** One notification as streamed: the fields of `notifications.notification.created.v1` plus its `seq`. */
export const liveNotificationSchema = NotificationCreatedV1.schema.extend({ seq: notificationSeqSchema });
export type LiveNotification = z.output<typeof liveNotificationSchema>;

/** Routing key `notifications.live.v1`: the notifications one transaction committed, in `seq` order. */
export const NOTIFICATIONS_LIVE = 'notifications.live.v1';
export const notificationsLiveSchema = z.object({ notifications: z.array(liveNotificationSchema).min(1) });

/**
 * Routing key `notifications.resync.v1`: the feed may have lost messages (its publisher started,
 * reconnected, or could not publish). Every gateway then catches up each resumable stream.
 * It is always published before anything the publisher forwards after the gap.
 */
export const NOTIFICATIONS_RESYNC = 'notifications.resync.v1';
export const notificationsResyncSchema = z.object({ reason: z.string().max(200) });

/** The exchange's name in a broker namespace (tests isolate runs that way; production has none). */
export function liveExchange(namespace: string): string {
  return namespace ? `${namespace}.${LIVE_EXCHANGE}` : LIVE_EXCHANGE;
}
