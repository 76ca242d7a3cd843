import { Module } from '@nestjs/common';
import { NotificationHub } from './notification-hub';
import { SessionRevocations } from './session-revocations';

/**
 * The hub only; its controller is listed in AppModule before ROUTE_CONTROLLERS so that
 * `GET /api/notifications/stream` is matched before any `GET /api/notifications/:id`.
 */
@Module({ providers: [NotificationHub, SessionRevocations], exports: [NotificationHub, SessionRevocations] })
export class NotificationsStreamModule {}
