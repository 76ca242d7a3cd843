import { z } from 'zod';
import { env, sharedConfigShape } from '@tutorhub/platform';

export const configSchema = z.object({
  ...sharedConfigShape,
  PORT: env.port(3004),
  REMINDER_CRON: env.cron('*/15 * * * * *'),
  SMTP_URL: env.optional(),
  EMAIL_FROM: env.str('tutorhub <no-reply@tutorhub.local>'),
  FCM_PROJECT_ID: env.optional(),
  FCM_SERVICE_ACCOUNT_JSON: env.optional(),
});

export type NotificationsConfig = z.output<typeof configSchema>;
