import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import {
  notificationsRpc,
  listNotificationsQuery,
  notificationItemSchema,
  notificationListSchema,
  registerDeviceInput,
  uuidSchema,
  type Actor,
  type MarkAllReadResult,
  type NotificationItem,
  type NotificationList,
  type RegisterDeviceResult,
  type UnreadCountResult,
} from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiOperation, ApiTags, ApiZodResponse, CurrentActor, ZodBody, ZodParam, ZodQuery, Forwards } from '../http';

const markAllReadResponse = z.object({ updated: z.number().int(), unreadCount: z.number().int() });
const unreadCountResponse = z.object({ unreadCount: z.number().int() });
const registerDeviceResponse = z.object({ token: z.string(), platform: registerDeviceInput.shape.platform });

/**
 * The caller's own inbox (docs/design.md §6), for every role. The notifications service authorises:
 * someone else's notification is a 404 `notification.not_found`. The live stream
 * (`GET /api/notifications/stream`) is served elsewhere in the gateway.
 */
@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Forwards(notificationsRpc.list)
  @ApiOperation({ summary: 'The caller’s notifications, newest first (cursor-paginated), with the unread count' })
  @ApiZodResponse(notificationListSchema)
  list(@ZodQuery(listNotificationsQuery) query: z.output<typeof listNotificationsQuery>, @CurrentActor() actor: Actor): Promise<NotificationList> {
    return this.rpc.call(notificationsRpc.list, query, { actor });
  }

  @Get('unread-count')
  @Forwards(notificationsRpc.unreadCount)
  @ApiOperation({ summary: 'How many of the caller’s notifications are unread (app badge)' })
  @ApiZodResponse(unreadCountResponse)
  unreadCount(@CurrentActor() actor: Actor): Promise<UnreadCountResult> {
    return this.rpc.call(notificationsRpc.unreadCount, {}, { actor });
  }

  @Post('read-all')
  @Forwards(notificationsRpc.markAllRead)
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark every notification of the caller read' })
  @ApiZodResponse(markAllReadResponse)
  markAllRead(@CurrentActor() actor: Actor): Promise<MarkAllReadResult> {
    return this.rpc.call(notificationsRpc.markAllRead, {}, { actor });
  }

  @Post(':id/read')
  @Forwards(notificationsRpc.markRead)
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark one of the caller’s notifications read (idempotent; 404 notification.not_found otherwise)' })
  @ApiZodResponse(notificationItemSchema)
  markRead(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<NotificationItem> {
    return this.rpc.call(notificationsRpc.markRead, { notificationId: id }, { actor });
  }

  @Post('devices')
  @Forwards(notificationsRpc.registerDevice)
  @HttpCode(200)
  @ApiOperation({ summary: 'Register this device’s FCM registration token for push notifications (moves it to the caller if known)' })
  @ApiZodResponse(registerDeviceResponse)
  registerDevice(@ZodBody(registerDeviceInput) body: z.output<typeof registerDeviceInput>, @CurrentActor() actor: Actor): Promise<RegisterDeviceResult> {
    return this.rpc.call(notificationsRpc.registerDevice, body, { actor });
  }

  @Delete('devices/:token')
  @Forwards(notificationsRpc.unregisterDevice)
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop push notifications to this device (idempotent)' })
  async unregisterDevice(@ZodParam('token', z.string().min(1).max(4096)) token: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.rpc.call(notificationsRpc.unregisterDevice, { token }, { actor });
  }
}
