import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import type { Actor, RpcReply } from '@tutorhub/contracts';
import { Topology } from '@tutorhub/messaging';
import { rawBroker, startTestService, type TestService } from '@tutorhub/testing';
import { AppModule } from '../src/app.module';
import type { GatewayConfig } from '../src/config';
import { AccessTokenService } from '../src/http';
import { gatewayMain } from '../src/main-definition';
import { TestRoutesController } from './test-routes';

export type Gateway = TestService<GatewayConfig>;

export const JWT_SECRET = 'integration-test-secret-0123456789abcdef';
export const ADMIN = { email: 'root@tutorhub.test', password: 'root-password-123456' };

export async function startGateway(env: Record<string, string> = {}, services: string[] = [], opts: { testRoutes?: boolean } = {}): Promise<Gateway> {
  return startTestService(gatewayMain, {
    env: { JWT_SECRET, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, PASSWORD_SCRYPT_LOG_N: '12', AUTH_RATE_LIMIT_PER_MINUTE: '1000', ...env },
    module: (c) => AppModule.forRoot(c as GatewayConfig, { extraControllers: opts.testRoutes === false ? [] : [TestRoutesController] }),
    services: ['gateway', ...services],
  });
}

export async function tokenFor(gw: Gateway, actor: Actor): Promise<string> {
  return (await gw.app.get(AccessTokenService).issue(actor)).token;
}

export const newActor = (role: Actor['role'] = 'student'): Actor => ({ userId: randomUUID(), role });

export interface FakeService {
  requests: Array<{ pattern: string; actor: Actor | null; data: unknown }>;
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
    requests.push(req);
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
