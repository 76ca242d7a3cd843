import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { DataSource } from 'typeorm';
import type { Actor, RpcReply } from '@tutorhub/contracts';
import type { Clock } from '@tutorhub/platform';
import { Topology } from '@tutorhub/messaging';
import type { ServiceKitOptions } from '@tutorhub/service';
import { rawBroker, startTestService, type TestService } from '@tutorhub/testing';
import { AppModule } from '../src/app.module';
import type { GatewayConfig } from '../src/config';
import { AccessTokenService } from '../src/http';
import { gatewayMain } from '../src/main-definition';
import { TestRoutesController } from './test-routes';

export type Gateway = TestService<GatewayConfig>;

export const JWT_SECRET = 'integration-test-secret-0123456789abcdef';
export const ADMIN = { email: 'root@tutorhub.test', password: 'root-password-123456' };

export async function startGateway(
  env: Record<string, string> = {},
  services: string[] = [],
  opts: {
    testRoutes?: boolean;
    clock?: Clock;
    /** Another replica: the database and broker namespace of this gateway (which owns and removes them). */
    replicaOf?: Gateway;
    logDestination?: ServiceKitOptions['logDestination'];
  } = {},
): Promise<Gateway> {
  return startTestService(gatewayMain, {
    env: {
      JWT_SECRET,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      PASSWORD_SCRYPT_LOG_N: '12',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      // Bursts of logins/registrations (the login throttle's parallel guesses) queue rather than
      // being shed, whatever the machine's core count; load-shedding.int-spec.ts sets its own.
      PASSWORD_HASH_MAX_QUEUE: '1000',
      PASSWORD_HASH_MAX_QUEUE_WAIT_MS: '60000',
      ...env,
    },
    module: (c) =>
      AppModule.forRoot(c as GatewayConfig, {
        clock: opts.clock,
        extraControllers: opts.testRoutes === false ? [] : [TestRoutesController],
        logDestination: opts.logDestination,
      }),
    services: ['gateway', ...services],
    ...(opts.replicaOf ? { db: opts.replicaOf.db, namespace: opts.replicaOf.namespace } : {}),
  });
}

/**
 * An access token for `actor` without going through login: the account and a session are
 * written directly (an access token names its session, which must be open; ADR 0015).
 */
export async function tokenFor(gw: Gateway, actor: Actor): Promise<string> {
  return (await gw.app.get(AccessTokenService).issue(actor, await sessionFor(gw, actor))).token;
}

/** An open session (refresh-token family) for `actor`, its account created if missing. */
export async function sessionFor(gw: Gateway, actor: Actor): Promise<string> {
  const ds = gw.app.get(DataSource);
  await ds.query(
    `INSERT INTO identity.users (id, email, full_name, role, password_hash) VALUES ($1, $2, 'Test User', $3, 'none') ON CONFLICT (id) DO NOTHING`,
    [actor.userId, `${actor.userId}@tokens.test`, actor.role],
  );
  const sessionId = randomUUID();
  await ds.query(`INSERT INTO identity.refresh_token_families (id, user_id, created_at) VALUES ($1, $2, now())`, [sessionId, actor.userId]);
  return sessionId;
}

export const newActor = (role: Actor['role'] = 'student'): Actor => ({ userId: randomUUID(), role });

export interface FakeService {
  /** `correlationId`: the `x-correlation-id` header the gateway sent (the HTTP request id). */
  requests: Array<{ pattern: string; actor: Actor | null; data: unknown; correlationId?: unknown }>;
  close(): Promise<void>;
}

/**
 * Serves `<namespace>.<service>.rpc.quorum` with a raw amqplib consumer, so the gateway's forwarding
 * is tested over the real broker without the real service.
 */
export async function fakeService(
  namespace: string,
  service: string,
  answer: (req: { pattern: string; actor: Actor | null; data: unknown }) => RpcReply | Promise<RpcReply>,
): Promise<FakeService> {
  const conn: ChannelModel = await rawBroker();
  const ch = await conn.createChannel();
  const queue = await new Topology(namespace).assertRpcQueue(ch, service);
  const requests: FakeService['requests'] = [];
  await ch.consume(queue, (msg: ConsumeMessage | null) => {
    if (!msg) return;
    const req = JSON.parse(msg.content.toString('utf8')) as { pattern: string; actor: Actor | null; data: unknown };
    requests.push({ ...req, correlationId: msg.properties.headers?.['x-correlation-id'] });
    void Promise.resolve(answer(req)).then((reply) => {
      try {
        ch.sendToQueue(msg.properties.replyTo, Buffer.from(JSON.stringify(reply)), { correlationId: msg.properties.correlationId });
        ch.ack(msg);
      } catch {
        // closed at the end of the test while a slow answer was pending
      }
    });
  });
  return {
    requests,
    async close() {
      await ch.deleteQueue(queue).catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}

export async function api(gw: Gateway, path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`${gw.baseUrl}${path}`, { ...init, headers, body });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: json as Record<string, unknown> & { code?: string } };
}

