import { z } from 'zod';
import { env, sharedConfigShape } from '@tutorhub/platform';

export const configSchema = z.object({
  ...sharedConfigShape,
  PORT: env.port(3003),
  CHAPA_BASE_URL: env.url('http://127.0.0.1:3099'),
  CHAPA_SECRET_KEY: env.str('CHASECK_TEST-tutorhub-dev'),
  CHAPA_WEBHOOK_SECRET: env.str('tutorhub-dev-webhook-secret'),
  PUBLIC_BASE_URL: env.url('http://127.0.0.1:3000'),
  ESCROW_RELEASE_DELAY_HOURS: env.decimal(24),
  ESCROW_RELEASE_CRON: env.cron('0 * * * * *'),
  ESCROW_RELEASE_BATCH_SIZE: env.int(1000, 1, 100000),
  PLATFORM_FEE_BPS: env.int(1500, 0, 10000),
  PAYMENT_RECONCILE_CRON: env.cron('*/30 * * * * *'),
});

export type PaymentsConfig = z.output<typeof configSchema>;
