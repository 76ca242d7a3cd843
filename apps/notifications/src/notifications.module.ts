import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import { parseServiceAccount, type NotificationsConfig } from './config';
import { DeliverNotificationsJob } from './deliver-notifications/deliver-notifications.job';
import { DELIVERY_CHANNELS, InAppChannel, type DeliveryChannel } from './delivery/delivery-channel';
import { EmailChannel } from './delivery/email.channel';
import { FcmClient } from './delivery/fcm-client';
import { PushChannel } from './delivery/push.channel';
import { DevicesRpc } from './devices/devices.rpc';
import { InboxRpc } from './inbox/inbox.rpc';
import { NotificationsRetentionJob } from './prune-read-notifications/prune-read-notifications.job';
import { ReminderScheduler } from './schedule-reminders/schedule-reminders';
import { SendDueRemindersJob } from './send-due-reminders/send-due-reminders.job';
import { ContactStore } from './stores/contact.store';
import { DeliveryStore } from './stores/delivery.store';
import { DeviceTokenStore } from './stores/device-token.store';
import { NotificationStore } from './stores/notification.store';
import { ReminderStore } from './stores/reminder.store';
import { LiveFeed } from './stream-notifications/live-feed';
import { StreamCatchUpRpc } from './stream-notifications/stream-catch-up.rpc';
import { TellAboutEvent } from './tell-about-event/tell-about-event';
import { NotificationEvents } from './tell-about-event/tell-about-event.events';
import { NotificationWriter } from './write-notification/write-notification';

export function buildChannels(
  config: NotificationsConfig,
  dataSource: DataSource,
  clock: Clock,
  contacts: ContactStore,
  devices: DeviceTokenStore,
): DeliveryChannel[] {
  const fcm =
    config.FCM_PROJECT_ID && config.FCM_SERVICE_ACCOUNT_JSON
      ? new FcmClient(
          {
            projectId: config.FCM_PROJECT_ID,
            serviceAccount: parseServiceAccount(config.FCM_SERVICE_ACCOUNT_JSON),
            baseUrl: config.FCM_BASE_URL,
            tokenUrl: config.FCM_TOKEN_URL,
          },
          clock,
        )
      : undefined;
  return [
    new InAppChannel(),
    new EmailChannel(dataSource, contacts, { smtpUrl: config.SMTP_URL, from: config.EMAIL_FROM }),
    new PushChannel(dataSource, devices, fcm),
  ];
}

@Module({
  providers: [
    {
      provide: DELIVERY_CHANNELS,
      inject: [CONFIG, DataSource, Clock, ContactStore, DeviceTokenStore],
      useFactory: buildChannels,
    },
    ContactStore,
    DeliveryStore,
    DeviceTokenStore,
    NotificationStore,
    ReminderStore,
    NotificationWriter,
    ReminderScheduler,
    TellAboutEvent,
    NotificationEvents,
    LiveFeed,
    InboxRpc,
    DevicesRpc,
    StreamCatchUpRpc,
    SendDueRemindersJob,
    DeliverNotificationsJob,
    NotificationsRetentionJob,
  ],
  exports: [NotificationWriter, LiveFeed, SendDueRemindersJob, DeliverNotificationsJob, NotificationsRetentionJob, DELIVERY_CHANNELS],
})
export class NotificationsModule implements OnApplicationShutdown {
  constructor(@Inject(DELIVERY_CHANNELS) private readonly channels: DeliveryChannel[]) {}

  onApplicationShutdown(): void {
    for (const c of this.channels) if (c instanceof EmailChannel) c.close();
  }
}
