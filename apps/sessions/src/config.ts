import { z } from 'zod';
import { env, sessionWindowConfigShape, sharedConfigShape } from '@tutorhub/platform';

export const configSchema = z.object({
  ...sharedConfigShape,
  PORT: env.port(3002),
  AGORA_APP_ID: env.hex32('0123456789abcdef0123456789abcdef'),
  AGORA_APP_CERTIFICATE: env.hex32('fedcba9876543210fedcba9876543210'),
  ...sessionWindowConfigShape,
  // Minutes, fractions allowed (tests and local runs use windows of seconds); at most a day.
  SESSION_OVERTIME_GRACE_MINUTES: env.decimal(10).pipe(z.number().max(24 * 60)),
  SESSION_JOBS_CRON: env.cron('*/15 * * * * *'),
});

export type SessionsConfig = z.output<typeof configSchema>;
