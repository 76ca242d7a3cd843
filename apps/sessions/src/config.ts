import { z } from 'zod';
import { env, sessionWindowConfigShape, sharedConfigShape } from '@tutorhub/platform';

const hex32 = z.string().regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hexadecimal characters');

export const configSchema = z.object({
  ...sharedConfigShape,
  PORT: env.port(3002),
  /** Development defaults (public): refused under NODE_ENV=production; anyone could mint lesson tokens with them. */
  AGORA_APP_ID: env.devSecret('0123456789abcdef0123456789abcdef', hex32),
  AGORA_APP_CERTIFICATE: env.devSecret('fedcba9876543210fedcba9876543210', hex32),
  ...sessionWindowConfigShape,
  // Minutes, fractions allowed (tests and local runs use windows of seconds); at most a day.
  SESSION_OVERTIME_GRACE_MINUTES: env.decimal(10).pipe(z.number().max(24 * 60)),
  SESSION_JOBS_CRON: env.cron('*/15 * * * * *'),
});

export type SessionsConfig = z.output<typeof configSchema>;
