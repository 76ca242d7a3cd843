import { z } from 'zod';
import { env, sharedConfigShape } from '@tutorhub/platform';

export const configSchema = z.object({
  ...sharedConfigShape,
  PORT: env.port(3002),
  AGORA_APP_ID: env.hex32('0123456789abcdef0123456789abcdef'),
  AGORA_APP_CERTIFICATE: env.hex32('fedcba9876543210fedcba9876543210'),
  SESSION_START_EARLY_MINUTES: env.int(5, 0, 24 * 60),
  SESSION_START_LATE_MINUTES: env.int(15, 0, 24 * 60),
  SESSION_OVERTIME_GRACE_MINUTES: env.int(10, 0, 24 * 60),
  SESSION_JOBS_CRON: env.cron('*/15 * * * * *'),
});

export type SessionsConfig = z.output<typeof configSchema>;
