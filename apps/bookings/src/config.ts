import { z } from 'zod';
import { env, sharedConfigShape } from '@tutorhub/platform';

export const configSchema = z.object({
  ...sharedConfigShape,
  PORT: env.port(3001),
  BOOKING_MIN_NOTICE_MINUTES: env.int(60, 0, 60 * 24 * 30),
  BOOKING_ACCEPT_DEADLINE_MINUTES: env.int(60, 0, 60 * 24 * 30),
  CANCEL_FULL_REFUND_HOURS: env.decimal(24),
  CANCEL_PARTIAL_REFUND_HOURS: env.decimal(2),
  CANCEL_PARTIAL_REFUND_BPS: env.int(5000, 0, 10000),
  BOOKING_EXPIRY_CRON: env.cron('*/30 * * * * *'),
});

export type BookingsConfig = z.output<typeof configSchema>;
