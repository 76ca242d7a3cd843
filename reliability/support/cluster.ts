import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase, deleteNamespace, nodeRuntimeFlags, testAmqpUrl, testNamespace, type TestDatabase } from '@tutorhub/testing';

/**
 * The reliability suite's platform: every app as its own process (the production build), like
 * `e2e/support/platform.ts`, but with any number of instances per app (replicas), instance-level
 * `kill -9` and restart, and a fixed JWT secret so that the suite can mint its own tokens.
 */
const ROOT = join(__dirname, '..', '..');
export const SERVICES = ['bookings', 'sessions', 'payments', 'notifications'] as const;
export const CONSUMERS = ['gateway', 'bookings', 'sessions', 'payments', 'notifications'] as const;
export const APPS = ['chapa-sandbox', 'gateway', ...SERVICES] as const;
export type AppName = (typeof APPS)[number];
export type ServiceName = (typeof SERVICES)[number];

export const JWT = {
  secret: 'reliability-suite-jwt-secret-0123456789abcdef',
  issuer: 'tutorhub',
  audience: 'tutorhub-app',
} as const;
export const ADMIN = { email: 'admin@reliability.test', password: 'reliability-admin-password-123' } as const;
export const FEE_BPS = 1500;

export interface Instance {
  id: string;
  app: AppName;
  index: number;
  port: number;
  url: string;
  child?: ChildProcess;
  logs: string[];
  /** Every exit, as `code/signal`, for reports. */
  exits: string[];
}

export interface Cluster {
  db: TestDatabase;
  namespace: string;
  amqpUrl: string;
  env: Record<string, string>;
  instances: Map<string, Instance>;
  /** The gateway API of instance `i` (`http://…/api`). */
  api(i?: number): string;
  url(app: AppName, i?: number): string;
  sandboxUrl: string;
  /** Starts instance `index` of `app` (a new one gets a new port) and waits until it is ready. */
  start(app: AppName, index?: number, opts?: { waitReady?: boolean }): Promise<Instance>;
  kill(app: AppName, index?: number, signal?: NodeJS.Signals): Promise<void>;
  isRunning(app: AppName, index?: number): boolean;
  waitReady(app: AppName, index?: number, timeoutMs?: number): Promise<void>;
  /** Last lines of every instance's log, for failure messages. */
  dump(lines?: number): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * Compiles the apps into a private directory (reliability/.build/<name>) with the production
 * build's compiler settings: the shared dist/ is rewritten by anyone's `npm run build`, which
 * must not pull files from under a running (or restarting) platform.
 */
export function buildPrivate(name: string): string {
  const out = join(ROOT, 'reliability', '.build', name);
  const build = spawnSync(process.execPath, [join(__dirname, 'build.cjs'), out], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  return out;
}

export interface ClusterOptions {
  /** Instances per service (gateway included; the sandbox always has one). */
  replicas?: number;
  env?: Record<string, string>;
  /** Broker URL the apps use (defaults to TEST_AMQP_URL); a comma-separated list for a cluster. */
  amqpUrl?: string;
  db?: TestDatabase;
}

/**
 * Development-like short delays so a lesson fits in a test: bookings may start now, escrows are
 * released ~3.6 s after the lesson, and every job runs every second.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const namespace = testNamespace('rel');
  // RELIABILITY_PREBUILT=<dir> runs a build made earlier (e.g. of an older commit, to check that
  // a scenario catches the bug it is about); it is left in place afterwards.
  const prebuilt = process.env.RELIABILITY_PREBUILT;
  const dist = prebuilt ?? buildPrivate(namespace);
  const removeBuild = () => prebuilt || rmSync(dist, { recursive: true, force: true });
  const db = opts.db ?? (await createTestDatabase());
  const amqpUrl = opts.amqpUrl ?? testAmqpUrl();
  const replicas = opts.replicas ?? 1;
  const sandboxPort = await freePort();
  const gatewayPort = await freePort();
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.RELIABILITY_LOG_LEVEL ?? 'warn',
    DATABASE_URL: db.url,
    AMQP_URL: amqpUrl,
    AMQP_NAMESPACE: namespace,
    MIGRATE_ON_START: 'true',
    JOBS_ENABLED: 'true',
    JWT_SECRET: JWT.secret,
    JWT_ISSUER: JWT.issuer,
    JWT_AUDIENCE: JWT.audience,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    PLATFORM_FEE_BPS: String(FEE_BPS),
    PUBLIC_BASE_URL: gatewayUrl,
    CHAPA_BASE_URL: sandboxUrl,
    CHAPA_WEBHOOK_URL: `${gatewayUrl}/api/webhooks/chapa`,
    BOOKING_MIN_NOTICE_MINUTES: '0',
    BOOKING_ACCEPT_DEADLINE_MINUTES: '0',
    BOOKING_EXPIRY_CRON: '* * * * * *',
    SESSION_JOBS_CRON: '* * * * * *',
    // The start window closes 6 s after the lesson's start (docs/design.md §4 default: 15 min), so a
    // tutor_absent journey can wait it out: ending alone inside the window is an abandonment.
    SESSION_START_LATE_MINUTES: '0.1',
    ESCROW_RELEASE_DELAY_HOURS: '0.001',
    ESCROW_RELEASE_CRON: '* * * * * *',
    PAYMENT_RECONCILE_CRON: '* * * * * *',
    REMINDER_CRON: '* * * * * *',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    // The hostile sweep sends wrong passwords for a seeded account on purpose; the per-account
    // backoff (tested in apps/gateway/test/login-throttle.int-spec.ts) must not turn them into 429s.
    LOGIN_BACKOFF_AFTER_FAILURES: '1000',
    LOGIN_ACCOUNT_BACKOFF_AFTER_FAILURES: '100000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // Several platforms share one Postgres server here (max_connections 100): keep each small.
    DATABASE_POOL_SIZE: '5',
    ...opts.env,
  };

  const instances = new Map<string, Instance>();
  const key = (app: AppName, index: number) => `${app}#${index}`;
  const reap = () => instances.forEach((i) => i.child && i.child.exitCode === null && i.child.kill('SIGKILL'));
  process.once('exit', reap);

  const waitReady = async (app: AppName, index = 0, timeoutMs = 60000) => {
    const inst = instances.get(key(app, index));
    if (!inst) throw new Error(`no instance ${key(app, index)}`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!inst.child || inst.child.exitCode !== null || inst.child.signalCode !== null) {
        throw new Error(`${inst.id} exited (${inst.exits.join(', ')}):\n${inst.logs.slice(-30).join('\n')}`);
      }
      try {
        const res = await fetch(`${inst.url}/health/ready`, { signal: AbortSignal.timeout(3000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`${inst.id} not ready within ${timeoutMs} ms:\n${inst.logs.slice(-30).join('\n')}`);
  };

  const start = async (app: AppName, index = 0, o: { waitReady?: boolean } = {}) => {
    let inst = instances.get(key(app, index));
    if (inst?.child && inst.child.exitCode === null && inst.child.signalCode === null) throw new Error(`${inst.id} is already running`);
    if (!inst) {
      const port = app === 'gateway' && index === 0 ? gatewayPort : app === 'chapa-sandbox' ? sandboxPort : await freePort();
      inst = { id: key(app, index), app, index, port, url: `http://127.0.0.1:${port}`, logs: [], exits: [] };
      instances.set(inst.id, inst);
    }
    const self = inst;
    const childEnv: Record<string, string> = { ...(process.env as Record<string, string>), ...env, PORT: String(self.port) };
    if (app === 'chapa-sandbox') childEnv.CHAPA_SANDBOX_PUBLIC_URL = sandboxUrl;
    const child = spawn(process.execPath, [...nodeRuntimeFlags(), join(dist, 'apps', app, 'src', 'main.js')], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      self.logs.push(...chunk.toString().split('\n').filter(Boolean));
      if (self.logs.length > 3000) self.logs.splice(0, self.logs.length - 3000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => self.exits.push(`${code ?? ''}/${signal ?? ''}`));
    self.child = child;
    if (o.waitReady !== false) await waitReady(app, index);
    return self;
  };

  const kill = async (app: AppName, index = 0, signal: NodeJS.Signals = 'SIGTERM') => {
    const inst = instances.get(key(app, index));
    const child = inst?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    // A SIGTERM that does not end the process in time becomes a SIGKILL: tests must stop by themselves.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    await exited;
    clearTimeout(timer);
  };

  const isRunning = (app: AppName, index = 0) => {
    const c = instances.get(key(app, index))?.child;
    return !!c && c.exitCode === null && c.signalCode === null;
  };

  const stopAll = async () => {
    await Promise.all([...instances.values()].map((i) => kill(i.app, i.index)));
  };

  try {
    // Services first (each migrates its schema), then the gateway and the sandbox; replicas after.
    await Promise.all(SERVICES.map((s) => start(s, 0)));
    await Promise.all([start('gateway', 0), start('chapa-sandbox', 0)]);
    for (let r = 1; r < replicas; r++) {
      await Promise.all([...SERVICES, 'gateway' as const].map((s) => start(s, r)));
    }
  } catch (err) {
    await Promise.all([...instances.values()].map((i) => kill(i.app, i.index, 'SIGKILL')));
    process.removeListener('exit', reap);
    await db.drop().catch(() => undefined);
    removeBuild();
    throw err;
  }

  return {
    db,
    namespace,
    amqpUrl,
    env,
    instances,
    sandboxUrl,
    api: (i = 0) => `${instances.get(key('gateway', i))?.url ?? gatewayUrl}/api`,
    url: (app, i = 0) => instances.get(key(app, i))?.url ?? '',
    start,
    kill,
    isRunning,
    waitReady,
    dump(lines = 20) {
      // Start-up chatter (route mapping, migrations) says nothing about a failure.
      const quiet = /RouterExplorer|RoutesResolver|InstanceLoader|applied migration|NestFactory|NestApplication|Mapped \{/;
      return [...instances.values()]
        .map((i) => `--- ${i.id} (exits: ${i.exits.join(', ') || 'none'})\n${i.logs.filter((l) => !quiet.test(l)).slice(-lines).join('\n')}`)
        .join('\n');
    },
    async stop() {
      await stopAll();
      process.removeListener('exit', reap);
      // A cluster's address list (the HA lab): its first node is enough to delete the queues.
      await deleteNamespace(namespace, CONSUMERS, amqpUrl.split(',')[0]).catch(() => undefined);
      if (!opts.db) await db.drop().catch(() => undefined);
      removeBuild();
    },
  };
}


export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
