import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { env, sharedConfigShape } from '@tutorhub/platform';

// Development defaults (public): loadConfig refuses them under NODE_ENV=production.
export const DEV_JWT_SECRET = 'tutorhub-development-jwt-secret-change-me';
export const DEV_ADMIN_PASSWORD = 'tutorhub-admin-dev-password';

/** The entries of TRUST_PROXY (none for empty or `false`). */
export function trustProxyEntries(value: string): string[] {
  const v = value.trim();
  if (v === '' || v === 'false') return [];
  return v.split(',').map((e) => e.trim()).filter((e) => e !== '');
}

function isTrustProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  // A prefix length, or a dotted netmask for IPv4 (as Express's proxy-addr takes).
  if (/^\d{1,3}$/.test(prefix)) return Number(prefix) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(prefix) === 4;
}

/**
 * The default of PASSWORD_HASH_CONCURRENCY: half the cores (rounded up, at least 1), and no
 * more than libuv's thread pool, where node:crypto's scrypt runs (UV_THREADPOOL_SIZE, 4).
 */
export function defaultPasswordHashConcurrency(cores = availableParallelism(), threadPool = Number(process.env.UV_THREADPOOL_SIZE) || 4): number {
  return Math.max(1, Math.min(Math.ceil(cores / 2), threadPool));
}

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
     * Per-account login throttling (ADR 0015), shared by every replica through the database.
     * Failed logins of one account from one client address before each further attempt waits
     * (1 s, doubling per failure, capped at LOGIN_BACKOFF_MAX_SECONDS).
     */
    LOGIN_BACKOFF_AFTER_FAILURES: env.int(5, 1, 1000),
    /** The same over every address except those that logged into the account lately (looser: many addresses share it). */
    LOGIN_ACCOUNT_BACKOFF_AFTER_FAILURES: env.int(20, 1, 100000),
    /** The longest wait; there is never a lockout beyond it. */
    LOGIN_BACKOFF_MAX_SECONDS: env.int(900, 1, 86400),
    /**
     * Which proxies may set X-Forwarded-For (the client IP of rate limits and logs): a
     * comma-separated list of the ingress's addresses or CIDRs (`loopback`, `linklocal` and
     * `uniquelocal` name those ranges). Unset, empty or `false`: no proxy header is trusted and
     * the client IP is the connection's. `true` and hop counts are refused: they let any client
     * choose its own address.
     */
    TRUST_PROXY: z
      .string()
      .default('')
      .superRefine((value, ctx) => {
        for (const entry of trustProxyEntries(value)) {
          if (!isTrustProxyAddress(entry)) {
            ctx.addIssue({ code: 'custom', message: `\`${entry}\` is not an address, a CIDR, loopback, linklocal or uniquelocal; list the ingress's addresses (or leave it empty to trust no proxy)` });
          }
        }
      }),
    /** Cron of the pass deleting expired idempotency records and sessions (every replica may run it). */
    CLEANUP_CRON: env.cron('*/10 * * * *'),
    /**
     * scrypt cost as log2(N), r=8, p=1. Memory per hash is 128·N·8 bytes: 16 → 64 MiB, ~0.1–0.2 s
     * on one core. Raising it later is safe: stored hashes carry their parameters and are
     * upgraded at the next login.
     */
    PASSWORD_SCRYPT_LOG_N: env.int(16, 10, 20),
    /**
     * Overload shedding (ADR 0017): at most GATEWAY_MAX_IN_FLIGHT /api requests are worked on at
     * once, GATEWAY_MAX_QUEUE more wait (each at most GATEWAY_MAX_QUEUE_WAIT_MS); beyond that a
     * request is answered 503 `gateway.overloaded` with Retry-After before any of its work starts.
     * Probes, /metrics, the Chapa webhook and callback and the notification stream are not counted.
     */
    GATEWAY_MAX_IN_FLIGHT: env.int(256, 1, 100000),
    GATEWAY_MAX_QUEUE: env.int(512, 0, 100000),
    GATEWAY_MAX_QUEUE_WAIT_MS: env.int(2000, 1, 600000),
    /**
     * The same for the scrypt work of register and login, which is CPU-bound: default half the
     * cores (at least 1, at most libuv's thread pool of 4). Set it to the container's CPU limit.
     */
    PASSWORD_HASH_CONCURRENCY: env.int(defaultPasswordHashConcurrency(), 1, 64),
    PASSWORD_HASH_MAX_QUEUE: env.int(16, 0, 10000),
    PASSWORD_HASH_MAX_QUEUE_WAIT_MS: env.int(3000, 1, 600000),
    /** SSE heartbeat comment interval (keeps proxies from closing idle streams). */
    SSE_HEARTBEAT_MS: env.int(25000, 1000, 300000),
  });

export type GatewayConfig = z.output<typeof configSchema>;
