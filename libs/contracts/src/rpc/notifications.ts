// RPC contract of the notifications service: pattern names, zod input schemas, response shapes,
// and one `defineRpc` definition per call (`notificationsRpc`, at the end).
import { z } from 'zod';
import { uuidSchema } from '../common';
import { liveNotificationSchema, streamPositionSchema } from '../live/notifications-live';
import { defineRpc } from './define';

export const NOTIFICATIONS_RPC = {
  /** The caller's own inbox, newest first, cursor-paginated. */
  list: 'notifications.list',
  /** `{ unreadCount }` of the caller (app badges). */
  unreadCount: 'notifications.unread_count',
  /** Marks one of the caller's notifications read (idempotent); someone else's is a 404. */
  markRead: 'notifications.mark_read',
  /** Marks every unread notification of the caller read. */
  markAllRead: 'notifications.mark_all_read',
  /** Registers (or moves to the caller) a push device token (FCM registration token). */
  registerDevice: 'notifications.register_device',
  /** Forgets one of the caller's device tokens (logout on that device). */
  unregisterDevice: 'notifications.unregister_device',
  /** The gateway's live stream: what came after a position (catch-up), or the current position. */
  streamCatchUp: 'notifications.stream_catch_up',
} as const;

export const NOTIFICATIONS_PAGE_DEFAULT = 20;
export const NOTIFICATIONS_PAGE_MAX = 100;

export const listNotificationsInput = z.strictObject({
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(NOTIFICATIONS_PAGE_MAX).default(NOTIFICATIONS_PAGE_DEFAULT),
  unreadOnly: z.boolean().default(false),
});
export type ListNotificationsInput = z.input<typeof listNotificationsInput>;

/** The same input as HTTP query parameters (strings), for the gateway's `GET /api/notifications`. */
export const listNotificationsQuery = z.strictObject({
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(NOTIFICATIONS_PAGE_MAX).default(NOTIFICATIONS_PAGE_DEFAULT),
  unreadOnly: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

export const unreadCountInput = z.strictObject({});
export const markNotificationReadInput = z.strictObject({ notificationId: uuidSchema });
export const markAllNotificationsReadInput = z.strictObject({});

export const DEVICE_PLATFORMS = ['android', 'ios', 'web'] as const;
export const registerDeviceInput = z.strictObject({
  /** FCM registration token as handed to the app by the Firebase SDK. */
  token: z.string().min(20).max(4096).regex(/^[\w:.-]+$/, 'not an FCM registration token'),
  platform: z.enum(DEVICE_PLATFORMS),
});
export const unregisterDeviceInput = z.strictObject({ token: z.string().min(1).max(4096) });

export const notificationItemSchema = z.object({
  id: uuidSchema,
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type NotificationItem = z.infer<typeof notificationItemSchema>;

export const notificationListSchema = z.object({
  items: z.array(notificationItemSchema),
  unreadCount: z.number().int().min(0),
  nextCursor: z.string().nullable(),
});
export type NotificationList = z.infer<typeof notificationListSchema>;

export interface UnreadCountResult {
  unreadCount: number;
}
export interface MarkAllReadResult {
  updated: number;
  unreadCount: number;
}
export interface RegisterDeviceResult {
  token: string;
  platform: (typeof DEVICE_PLATFORMS)[number];
}

export const unreadCountResultSchema = z.object({ unreadCount: z.number().int().min(0) });
export const markAllReadResultSchema = z.object({ updated: z.number().int().min(0), unreadCount: z.number().int().min(0) });
export const registerDeviceResultSchema = z.object({ token: z.string(), platform: z.enum(DEVICE_PLATFORMS) });
export const unregisterDeviceResultSchema = z.object({ removed: z.boolean() });

export const STREAM_CATCH_UP_MAX = 100;
/**
 * `after`: the `seq` the stream last sent (its SSE id); without it, nothing is listed and only
 * the caller's current position (`last`) is answered.
 */
export const streamCatchUpInput = z.strictObject({
  after: streamPositionSchema.optional(),
  limit: z.number().int().min(1).max(STREAM_CATCH_UP_MAX).default(STREAM_CATCH_UP_MAX),
});
/** `items`: oldest first; `last`: the newest `seq` of the caller (or of the page when `more`); null if none. */
export const streamCatchUpResultSchema = z.object({
  items: z.array(liveNotificationSchema),
  last: streamPositionSchema.nullable(),
  more: z.boolean(),
});
export type StreamCatchUpResult = z.infer<typeof streamCatchUpResultSchema>;

/** Notifications answers a missing actor with its own 401 code (kept: answers do not change). */
const notifications = <N extends string, I extends z.ZodTypeAny, O extends z.ZodTypeAny>(name: N, input: I, output: O, description: string, emptyInput = false) =>
  defineRpc({ service: 'notifications', name, input, output, roles: 'any', unauthenticatedCode: 'unauthorized', emptyInput, description });

/** One definition per call (gateway `rpc.call(notificationsRpc.x, …)`, service `@OnRpc(notificationsRpc.x)`). */
export const notificationsRpc = {
  list: notifications(NOTIFICATIONS_RPC.list, listNotificationsInput, notificationListSchema, 'The caller’s own inbox, newest first, cursor-paginated.'),
  unreadCount: notifications(NOTIFICATIONS_RPC.unreadCount, unreadCountInput, unreadCountResultSchema, 'The caller’s unread count (app badges).', true),
  markRead: notifications(NOTIFICATIONS_RPC.markRead, markNotificationReadInput, notificationItemSchema, 'Marks one of the caller’s notifications read (idempotent).'),
  markAllRead: notifications(NOTIFICATIONS_RPC.markAllRead, markAllNotificationsReadInput, markAllReadResultSchema, 'Marks every unread notification of the caller read.', true),
  registerDevice: notifications(NOTIFICATIONS_RPC.registerDevice, registerDeviceInput, registerDeviceResultSchema, 'Registers (or moves to the caller) a push device token.'),
  unregisterDevice: notifications(NOTIFICATIONS_RPC.unregisterDevice, unregisterDeviceInput, unregisterDeviceResultSchema, 'Forgets one of the caller’s device tokens.'),
  streamCatchUp: notifications(
    NOTIFICATIONS_RPC.streamCatchUp,
    streamCatchUpInput,
    streamCatchUpResultSchema,
    'The caller’s notifications after a stream position, oldest first (live-stream catch-up, ADR 0018).',
    true,
  ),
} as const;
