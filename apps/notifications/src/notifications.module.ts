import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import { parseServiceAccount, type NotificationsConfig } from './config';
import { DeliverNotificationsJob } from './delivery/deliver-notifications.job';
import { DELIVERY_CHANNELS, InAppChannel, type DeliveryChannel } from './delivery/delivery-channel';
import { EmailChannel } from './delivery/email.channel';
import { FcmClient } from './delivery/fcm-client';
import { PushChannel } from './delivery/push.channel';
import { DevicesRpc } from './devices/devices.rpc';
import { NotificationEventHandlers } from './events/notification-event.handlers';
import { ContactsRepository } from './inbox/contacts.repository';
import { InboxRpc } from './inbox/inbox.rpc';
import { NotificationWriter } from './inbox/notification-writer';
import { ReminderScheduler } from './reminders/reminder-scheduler';
import { SendDueRemindersJob } from './reminders/send-due-reminders.job';
import { NotificationsRetentionJob } from './retention/notifications-retention.job';

export function buildChannels(config: NotificationsConfig, dataSource: DataSource, clock: Clock): DeliveryChannel[] {
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
    new EmailChannel(dataSource, { smtpUrl: config.SMTP_URL, from: config.EMAIL_FROM }),
    new PushChannel(dataSource, fcm),
  ];
}

@Module({
  providers: [
    {
      provide: DELIVERY_CHANNELS,
      inject: [CONFIG, DataSource, Clock],
      useFactory: buildChannels,
    },
    ContactsRepository,
    NotificationWriter,
    ReminderScheduler,
    NotificationEventHandlers,
    InboxRpc,
    DevicesRpc,
    SendDueRemindersJob,
    DeliverNotificationsJob,
    NotificationsRetentionJob,
  ],
  exports: [NotificationWriter, SendDueRemindersJob, DeliverNotificationsJob, NotificationsRetentionJob, DELIVERY_CHANNELS],
})
export class NotificationsModule implements OnApplicationShutdown {
  constructor(@Inject(DELIVERY_CHANNELS) private readonly channels: DeliveryChannel[]) {}

  onApplicationShutdown(): void {
    for (const c of this.channels) if (c instanceof EmailChannel) c.close();
  }
}
