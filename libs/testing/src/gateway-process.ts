import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
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

/** An access token the gateway accepts, as its own login would issue (HS256, iss/aud/exp). */
export async function accessTokenFor(actor: Actor, secret = GATEWAY_TEST_JWT_SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: actor.role })
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
