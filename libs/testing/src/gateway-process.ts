import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import type { Actor } from '@tutorhub/contracts';
import { startAppProcess, type AppProcess } from './app-process';
import { testAmqpUrl } from './test-env';

/** The JWT secret of gateways started by `startGatewayProcess` (tests mint their own tokens). */
export const GATEWAY_TEST_JWT_SECRET = 'tutorhub-gateway-test-secret-0123456789abcdef';

/**
 * The real gateway as its own process (apps never import apps), in front of services that a
 * test runs on the given database and broker namespace.
 */
export function startGatewayProcess(target: { databaseUrl: string; namespace: string }, env: Record<string, string> = {}): Promise<AppProcess> {
  return startServiceProcess('gateway', target, {
    JWT_SECRET: GATEWAY_TEST_JWT_SECRET,
    ADMIN_EMAIL: 'root@tutorhub.test',
    ADMIN_PASSWORD: 'root-password-123456',
    // Cheaper password hashing: the tests register many users; the cost is not under test here.
    PASSWORD_SCRYPT_LOG_N: '12',
    ...env,
  });
}

const sessions = new Map<string, string>();

/**
 * An access token the gateway accepts, as its own login would issue (HS256, iss/aud/exp, and
 * `sid`, the session it belongs to). The gateway refuses a token whose session is not open in
 * its database (ADR 0015), so the account and a session are written there first (once per
 * actor and database); `databaseUrl` is the one the gateway process runs on.
 */
export async function accessTokenFor(actor: Actor, databaseUrl: string, secret = GATEWAY_TEST_JWT_SECRET): Promise<string> {
  const cacheKey = `${databaseUrl}\n${actor.userId}`;
  let sid = sessions.get(cacheKey);
  if (!sid) {
    sid = randomUUID();
    const client = new Client({ connectionString: databaseUrl });
    client.on('error', () => undefined); // a cut connection is reported by the pending query; unhandled, the event would end the run
    await client.connect();
    try {
      await client.query(
        `INSERT INTO identity.users (id, email, full_name, role, password_hash) VALUES ($1, $2, 'Test User', $3, 'none') ON CONFLICT (id) DO NOTHING`,
        [actor.userId, `${actor.userId}@tokens.test`, actor.role],
      );
      await client.query(`INSERT INTO identity.refresh_token_families (id, user_id, created_at) VALUES ($1, $2, now())`, [sid, actor.userId]);
    } finally {
      await client.end();
    }
    sessions.set(cacheKey, sid);
  }
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: actor.role, sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(actor.userId)
    .setIssuer('tutorhub')
    .setAudience('tutorhub-app')
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(secret));
}

/**
 * Another service as its own process on the same database and namespace, e.g. bookings, the
 * owner the gateway asks when a service's copy of a booking is behind (read-your-writes).
 * Jobs are off: the test drives time itself.
 */
export function startServiceProcess(app: string, target: { databaseUrl: string; namespace: string }, env: Record<string, string> = {}): Promise<AppProcess> {
  return startAppProcess(app, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: target.databaseUrl,
    AMQP_URL: testAmqpUrl(),
    AMQP_NAMESPACE: target.namespace,
    MIGRATE_ON_START: 'true',
    JOBS_ENABLED: 'false',
    ...env,
  });
}
