import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { eventDefinition, type Actor, type EventDataOf, type EventType } from '@tutorhub/contracts';
import { RpcClient, RpcError } from '@tutorhub/messaging';
import { ManualClock } from '@tutorhub/platform';
import { createTestDatabase, eventually, publishEvents, startTestService, testNamespace, type TestDatabase, type TestService } from '@tutorhub/testing';
// The sandbox is the Chapa stand-in of every payments test: started in-process, spoken to over
// real HTTP, exactly as the service would talk to Chapa.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createChapaSandboxApp } from '../../chapa-sandbox/src/create-app';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { SandboxStore } from '../../chapa-sandbox/src/domain/sandbox-store';
import { AppModule } from '../src/app.module';
import type { PaymentsConfig } from '../src/config';
import { ReleaseDueEscrowsJob } from '../src/release-due-escrows/release-due-escrows.job';
import { paymentsMain } from '../src/main-definition';
import { ReconcilePayments } from '../src/reconcile-payments/reconcile-payments';
import { Payouts } from '../src/withdraw/payouts';
import { ProcessRefunds } from '../src/process-refunds/process-refunds';

export const SECRET_KEY = 'CHASECK_TEST-payments-int';
export const WEBHOOK_SECRET = 'payments-int-webhook-secret';

export type Money = { amountMinor: number; currency: 'ETB' | 'USD' };

/**
 * Stands in for the gateway's two Chapa routes: it forwards the webhook's exact raw bytes and
 * signature headers, and the callback's query, to the payments service over real RPC — the
 * same contract the gateway implements.
 */
class GatewayBridge {
  rpc?: RpcClient;
  /** When set, requests go to the real gateway at this base URL instead (byte for byte). */
  proxyTo?: string;
  private server!: Server;
  base = '';
  readonly webhookStatuses: number[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const url = new URL(req.url ?? '/', this.base);
          if (this.proxyTo) {
            const headers = new Headers();
            for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers.set(k, v);
            const body = Buffer.concat(chunks);
            const answer = await fetch(`${this.proxyTo}${url.pathname}${url.search}`, {
              method: req.method,
              headers,
              body: body.length ? body : undefined,
              redirect: 'manual',
            });
            if (url.pathname === '/api/webhooks/chapa') this.webhookStatuses.push(answer.status);
            res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
            return;
          }
          try {
            if (!this.rpc) throw new Error('bridge not ready');
            let result: unknown;
            if (req.method === 'POST' && url.pathname === '/api/webhooks/chapa') {
              const headers: Record<string, string> = {};
              for (const h of ['x-chapa-signature', 'chapa-signature']) {
                const v = req.headers[h];
                if (typeof v === 'string') headers[h] = v;
              }
              result = await this.rpc.call('payments', 'payments.chapa_webhook', { rawBody: Buffer.concat(chunks).toString('base64'), headers }, { actor: null, timeoutMs: 15000 });
              this.webhookStatuses.push(200);
            } else if (req.method === 'GET' && url.pathname === '/api/payments/chapa/callback') {
              result = await this.rpc.call('payments', 'payments.chapa_callback', { query: Object.fromEntries(url.searchParams) }, { actor: null, timeoutMs: 15000 });
            } else {
              res.writeHead(404).end();
              return;
            }
            res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
          } catch (err) {
            const status = err instanceof RpcError ? err.status : 500;
            if (url.pathname === '/api/webhooks/chapa') this.webhookStatuses.push(status);
            res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(err instanceof RpcError ? err.problem : {}));
          }
        })();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface Harness {
  svc: TestService<PaymentsConfig>;
  clock: ManualClock;
  sandbox: INestApplication;
  sandboxUrl: string;
  bridge: GatewayBridge;
  ds: DataSource;
  rpc: RpcClient;
  close(): Promise<void>;
}

async function createSandbox(webhookUrl: string): Promise<INestApplication> {
  return createChapaSandboxApp(
    { port: 0, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, webhookUrl, publicBaseUrl: null, webhookRetryDelaysMs: [] },
    { logger: false },
  );
}

/** Chapa goes down (the sandbox stops listening). */
export async function stopSandbox(h: Harness): Promise<void> {
  await h.sandbox.close();
}

/** Chapa comes back on the same address, with an empty memory (a different process). */
export async function restartSandbox(h: Harness): Promise<void> {
  const port = Number(new URL(h.sandboxUrl).port);
  h.sandbox = await createSandbox(`${h.bridge.base}/api/webhooks/chapa`);
  await h.sandbox.listen(port, '127.0.0.1');
}

export async function startHarness(
  opts: { env?: Record<string, string>; db?: TestDatabase; namespace?: string; services?: string[] } = {},
): Promise<Harness> {
  const clock = new ManualClock('2030-01-10T08:00:00.000Z');
  const bridge = new GatewayBridge();
  await bridge.start();
  const sandbox = await createSandbox(`${bridge.base}/api/webhooks/chapa`);
  await sandbox.listen(0, '127.0.0.1');
  const sandboxUrl = `http://127.0.0.1:${(sandbox.getHttpServer().address() as AddressInfo).port}`;
  const svc = (await startTestService(paymentsMain, {
    db: opts.db,
    namespace: opts.namespace,
    // Queues to remove with the namespace: services a test also runs as processes.
    services: opts.services,
    env: {
      CHAPA_BASE_URL: sandboxUrl,
      CHAPA_SECRET_KEY: SECRET_KEY,
      CHAPA_WEBHOOK_SECRET: WEBHOOK_SECRET,
      CHAPA_RETRIES: '1',
      CHAPA_TIMEOUT_MS: '5000',
      PUBLIC_BASE_URL: bridge.base,
      ESCROW_RELEASE_DELAY_HOURS: '24',
      PLATFORM_FEE_BPS: '1500',
      // The test Postgres is shared with other suites running at the same time: stay lean.
      DATABASE_POOL_SIZE: '5',
      ...opts.env,
    },
    module: (c) => AppModule.forRoot(c as PaymentsConfig, { clock }),
  })) as TestService<PaymentsConfig>;
  const rpc = svc.app.get(RpcClient);
  bridge.rpc = rpc;
  const h: Harness = {
    svc,
    clock,
    sandbox,
    sandboxUrl,
    bridge,
    ds: svc.app.get(DataSource),
    rpc,
    async close() {
      await svc.close();
      await h.sandbox.close().catch(() => undefined);
      await bridge.stop();
    },
  };
  return h;
}

/**
 * The usual setup of a file: one harness for all its tests, closed after them, and the ledger's
 * invariants checked after every test. `set` receives the harness once it started:
 * `let h: Harness; harnessPerFile((started) => (h = started));`.
 */
export function harnessPerFile(set: (h: Harness) => void): void {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness();
    set(started);
  });
  afterAll(async () => {
    await started?.close();
  });
  afterEach(async () => {
    if (!started) throw new Error('the payments harness did not start');
    await ledgerInvariants(started.ds);
  });
}

export const student = (): Actor => ({ userId: randomUUID(), role: 'student' });
export const tutor = (): Actor => ({ userId: randomUUID(), role: 'tutor' });
export const admin = (): Actor => ({ userId: randomUUID(), role: 'admin' });

/** Publishes a real event envelope on the namespace's exchange and waits until payments handled it. */
export async function publish<K extends EventType>(h: Harness, type: K, data: EventDataOf<K>): Promise<string> {
  const def = eventDefinition(type);
  if (!def) throw new Error(`unknown event ${type}`);
  const envelope = {
    id: randomUUID(),
    type,
    version: def.version,
    occurredAt: new Date().toISOString(),
    producer: def.producer,
    correlationId: randomUUID(),
    causationId: null,
    data: def.schema.parse(data),
  };
  await publishEvents(h.svc.namespace, envelope);
  await eventually(async () => {
    const r = (await h.ds.query(`SELECT 1 FROM payments.inbox WHERE event_id = $1`, [envelope.id])) as unknown[];
    return r.length === 1;
  }, 15000);
  return envelope.id;
}

export interface TestBooking {
  bookingId: string;
  student: Actor;
  tutor: Actor;
  price: Money;
  startsAt: Date;
  endsAt: Date;
}

/** A booking the tutor accepted, known to payments through the real event. */
export async function acceptedBooking(
  h: Harness,
  o: { price?: Money; tutor?: Actor; student?: Actor; startsInHours?: number } = {},
): Promise<TestBooking> {
  const b: TestBooking = {
    bookingId: randomUUID(),
    student: o.student ?? student(),
    tutor: o.tutor ?? tutor(),
    price: o.price ?? { amountMinor: 150000, currency: 'ETB' },
    startsAt: new Date(h.clock.now().getTime() + (o.startsInHours ?? 48) * 3_600_000),
    endsAt: new Date(0),
  };
  b.endsAt = new Date(b.startsAt.getTime() + 3_600_000);
  await publishAccepted(h, b);
  return b;
}

/** Bookings' `booking.accepted` for `b` (what payments learns the price and the slot from). */
export function publishAccepted(h: Harness, b: TestBooking): Promise<string> {
  return publish(h, 'bookings.booking.accepted.v1', {
    bookingId: b.bookingId,
    studentId: b.student.userId,
    tutorId: b.tutor.userId,
    subject: 'Mathematics',
    startsAt: b.startsAt.toISOString(),
    endsAt: b.endsAt.toISOString(),
    price: b.price,
  });
}

/**
 * Sessions' `session.ended` for `b`: started on time, ended at the booking's end (or `endedAt`),
 * both parties there unless `tutorJoined`/`studentJoined` is false; ended by the system unless
 * `endedBy` names someone.
 */
export async function sessionEnded(
  h: Harness,
  b: TestBooking,
  o: { tutorJoined?: boolean; studentJoined?: boolean; endedAt?: Date; endedBy?: string } = {},
): Promise<void> {
  const endedAt = o.endedAt ?? b.endsAt;
  const startedAt = new Date(b.startsAt.getTime());
  await publish(h, 'sessions.session.ended.v1', {
    sessionId: randomUUID(),
    bookingId: b.bookingId,
    studentId: b.student.userId,
    tutorId: b.tutor.userId,
    endedBy: o.endedBy ?? 'system',
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationSeconds: Math.round((endedAt.getTime() - startedAt.getTime()) / 1000),
    scheduledDurationSeconds: 3600,
    attendance: {
      studentJoinedAt: o.studentJoined === false ? null : startedAt.toISOString(),
      tutorJoinedAt: o.tutorJoined === false ? null : startedAt.toISOString(),
    },
    absentParty: o.tutorJoined === false ? (o.studentJoined === false ? 'both' : 'tutor') : o.studentJoined === false ? 'student' : null,
  });
}

export interface Initiated {
  paymentId: string;
  txRef: string;
  checkoutUrl: string;
  status: string;
}

export function initiate(h: Harness, b: TestBooking, actor: Actor = b.student): Promise<Initiated> {
  return h.rpc.call<Initiated>('payments', 'payments.initiate', { bookingId: b.bookingId }, { actor, timeoutMs: 15000 });
}

/** The student presses Pay on the sandbox's hosted checkout: Chapa settles, sends the signed webhook, calls back. */
export async function checkout(h: Harness, txRef: string, action: 'pay' | 'fail' = 'pay'): Promise<Response> {
  const res = await fetch(`${h.sandboxUrl}/checkout/${encodeURIComponent(txRef)}/${action}`, { method: 'POST', redirect: 'manual' });
  await res.arrayBuffer();
  return res;
}

/** initiate → pay → (webhook → verify → hold), returning once the sandbox's webhook was answered. */
export async function payFor(h: Harness, b: TestBooking): Promise<Initiated> {
  const p = await initiate(h, b);
  const res = await checkout(h, p.txRef);
  if (res.status !== 303) throw new Error(`checkout answered ${res.status} for ${JSON.stringify(p)} (sandbox ${h.sandboxUrl})`);
  return p;
}

export function paymentView(h: Harness, bookingId: string, actor: Actor) {
  return h.rpc.call<{
    payment: { id: string; status: string; amount: Money } | null;
    escrow: {
      id: string;
      status: string;
      amount: Money;
      heldAt: string;
      releaseScheduledFor: string | null;
      releasedAt: string | null;
      refundedAt: string | null;
      tutorAmount: Money | null;
      platformFee: Money | null;
      refundAmount: Money | null;
      refunds: Array<{ status: string; amount: Money }>;
    } | null;
  }>('payments', 'payments.booking_payment.get', { bookingId }, { actor, timeoutMs: 15000 });
}

export function wallet(h: Harness, t: Actor, data: Record<string, unknown> = {}) {
  return h.rpc.call<{
    available: Money;
    pendingEscrow: Money;
    lifetimeEarnings: Money;
    payoutsInFlight: Money;
    balances: Array<{ currency: string; available: Money; pendingEscrow: Money; lifetimeEarnings: Money; payoutsInFlight: Money }>;
    history: Array<{ id: string; type: string; direction: string; amount: Money; bookingId: string | null; payoutId: string | null }>;
    nextCursor: string | null;
  }>('payments', 'payments.wallet.get', data, { actor: t, timeoutMs: 15000 });
}

export const jobs = (h: Harness) => ({
  release: () => h.svc.app.get(ReleaseDueEscrowsJob).runOnce(),
  refunds: () => h.svc.app.get(ProcessRefunds).runOnce(),
  reconcilePayments: () => h.svc.app.get(ReconcilePayments).reconcileOnce(),
  reconcilePayouts: () => h.svc.app.get(Payouts).reconcileOnce(),
});

export function sandboxStore(h: Harness): SandboxStore {
  return h.sandbox.get(SandboxStore);
}

/** Natural balance of one ledger account (0 when it does not exist). */
export async function balance(h: Harness, kind: string, ref: string | null, currency = 'ETB'): Promise<number> {
  const r = (await h.ds.query(
    `SELECT balance_minor FROM payments.ledger_accounts WHERE kind = $1 AND ref = $2 AND currency = $3`,
    [kind, ref ?? '00000000-0000-0000-0000-000000000000', currency],
  )) as Array<{ balance_minor: string }>;
  return r.length ? Number(r[0].balance_minor) : 0;
}

/**
 * The ledger's invariants, recomputed from scratch: every transaction balances per currency,
 * every account's maintained balance equals the natural sum of its entries and is never
 * negative, and platform cash equals everything owed or earned, per currency.
 */
export async function ledgerInvariants(ds: DataSource): Promise<void> {
  const unbalanced = (await ds.query(
    `SELECT transaction_id, currency, sum(amount_minor) AS s FROM payments.ledger_entries GROUP BY 1, 2 HAVING sum(amount_minor) <> 0`,
  )) as unknown[];
  expect(unbalanced).toEqual([]);
  const drift = (await ds.query(
    `SELECT a.id, a.kind, a.balance_minor, a.normal_sign * coalesce(sum(e.amount_minor), 0) AS derived
       FROM payments.ledger_accounts a LEFT JOIN payments.ledger_entries e ON e.account_id = a.id
      GROUP BY a.id HAVING a.balance_minor <> a.normal_sign * coalesce(sum(e.amount_minor), 0)`,
  )) as unknown[];
  expect(drift).toEqual([]);
  const negative = (await ds.query(`SELECT id, kind, balance_minor FROM payments.ledger_accounts WHERE balance_minor < 0`)) as unknown[];
  expect(negative).toEqual([]);
  const cash = (await ds.query(
    `SELECT currency,
            sum(balance_minor) FILTER (WHERE kind = 'platform_cash') AS cash,
            sum(balance_minor) FILTER (WHERE kind <> 'platform_cash') AS owed
       FROM payments.ledger_accounts GROUP BY currency`,
  )) as Array<{ cash: string | null; owed: string | null }>;
  for (const c of cash) expect(Number(c.cash ?? 0)).toBe(Number(c.owed ?? 0));
}

export { createTestDatabase, eventually, testNamespace };
