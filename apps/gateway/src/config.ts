import { z } from 'zod';
import { env, sharedConfigShape } from '@tutorhub/platform';

export const configSchema = z.object({
  ...sharedConfigShape,
  PORT: env.port(3000),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default('tutorhub-development-jwt-secret-change-me'),
  JWT_ISSUER: env.str('tutorhub'),
  JWT_AUDIENCE: env.str('tutorhub-app'),
  ACCESS_TOKEN_TTL_SECONDS: env.int(900, 60, 86400),
  REFRESH_TOKEN_TTL_DAYS: env.int(30, 1, 365),
  ADMIN_EMAIL: z.email().default('admin@tutorhub.local'),
  ADMIN_PASSWORD: z.string().min(12).default('tutorhub-admin-dev-password'),
  PUBLIC_BASE_URL: env.url('http://127.0.0.1:3000'),
  IDEMPOTENCY_RETENTION_HOURS: env.int(24, 1, 24 * 30),
  BODY_LIMIT: env.str('100kb'),
  RATE_LIMIT_PER_MINUTE: env.int(600, 1, 1000000),
  AUTH_RATE_LIMIT_PER_MINUTE: env.int(20, 1, 1000000),
  /**
   * Express `trust proxy`: which hops may set X-Forwarded-For (client IPs for rate limits and
   * logs). Default trusts loopback and private networks (the in-cluster ingress); a number
   * means "that many proxies in front"; `false` ignores the header.
   */
  TRUST_PROXY: env.str('loopback, linklocal, uniquelocal'),
  /** Cron of the pass that deletes expired idempotency records (every replica may run it). */
  IDEMPOTENCY_CLEANUP_CRON: env.cron('*/10 * * * *'),
});

export type GatewayConfig = z.output<typeof configSchema>;
