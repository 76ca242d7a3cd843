import { z } from 'zod';
import { env, sharedConfigShape } from '@tutorhub/platform';

// Development defaults (public): loadConfig refuses them under NODE_ENV=production.
export const DEV_JWT_SECRET = 'tutorhub-development-jwt-secret-change-me';
export const DEV_ADMIN_PASSWORD = 'tutorhub-admin-dev-password';

export const configSchema = z.object({
    ...sharedConfigShape,
    PORT: env.port(3000),
    JWT_SECRET: env.devSecret(DEV_JWT_SECRET, z.string().min(32, 'must be at least 32 characters')),
    JWT_ISSUER: env.str('tutorhub'),
    JWT_AUDIENCE: env.str('tutorhub-app'),
    ACCESS_TOKEN_TTL_SECONDS: env.int(900, 60, 86400),
    REFRESH_TOKEN_TTL_DAYS: env.int(30, 1, 365),
    ADMIN_EMAIL: z.email().default('admin@tutorhub.local'),
    ADMIN_PASSWORD: env.devSecret(DEV_ADMIN_PASSWORD, z.string().min(12).max(200)),
    PUBLIC_BASE_URL: env.url('http://127.0.0.1:3000'),
    /**
     * Where the checkout's return page sends the buyer back to the app: a deep link or a web
     * URL, `{bookingId}` replaced by the booking's id.
     */
    APP_RETURN_URL: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/i, 'must be a URL with a scheme, such as tutorhub://bookings/{bookingId}')
      .default('tutorhub://bookings/{bookingId}'),
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
    /** Cron of the pass deleting expired idempotency records and sessions (every replica may run it). */
    CLEANUP_CRON: env.cron('*/10 * * * *'),
    /**
     * scrypt cost as log2(N), r=8, p=1. Memory per hash is 128·N·8 bytes: 16 → 64 MiB, ~0.1–0.2 s
     * on one core. Raising it later is safe: stored hashes carry their parameters and are
     * upgraded at the next login.
     */
    PASSWORD_SCRYPT_LOG_N: env.int(16, 10, 20),
    /** SSE heartbeat comment interval (keeps proxies from closing idle streams). */
    SSE_HEARTBEAT_MS: env.int(25000, 1000, 300000),
  });

export type GatewayConfig = z.output<typeof configSchema>;
