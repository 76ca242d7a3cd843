import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, deleteNamespace, freePort, startAppProcess, testAmqpUrl, testNamespace, type AppProcess, type TestDatabase } from '@tutorhub/testing';

const ROOT = join(__dirname, '..', '..');
export const APPS = ['chapa-sandbox', 'gateway', 'bookings', 'sessions', 'payments', 'notifications'] as const;
export type AppName = (typeof APPS)[number];

export interface Platform {
  urls: Record<AppName, string>;
  api: string;
  db: TestDatabase;
  namespace: string;
  logs: Record<AppName, string[]>;
  stop(): Promise<void>;
  kill(app: AppName, signal?: NodeJS.Signals): Promise<void>;
  start(app: AppName): Promise<void>;
}

/**
 * Starts every app as its own process (compiled with the same build as production) on a fresh
 * database and broker namespace, with short delays so a whole lesson fits in a test:
 * bookings may start now, escrow releases seconds after the session, jobs run every second.
 */
export async function startPlatform(overrides: Partial<Record<string, string>> = {}): Promise<Platform> {
  const build = spawnSync(process.execPath, [join(ROOT, 'tools', 'build.cjs')], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  const db = await createTestDatabase();
  const namespace = testNamespace('e2e');
  const ports = Object.fromEntries(await Promise.all(APPS.map(async (a) => [a, await freePort()] as const))) as Record<AppName, number>;
  const urls = Object.fromEntries(APPS.map((a) => [a, `http://127.0.0.1:${ports[a]}`])) as Record<AppName, string>;
  const common: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    AMQP_URL: testAmqpUrl(),
    AMQP_NAMESPACE: namespace,
    MIGRATE_ON_START: 'true',
    JOBS_ENABLED: 'true',
    PUBLIC_BASE_URL: urls.gateway,
    CHAPA_BASE_URL: urls['chapa-sandbox'],
    CHAPA_WEBHOOK_URL: `${urls.gateway}/api/webhooks/chapa`,
    BOOKING_MIN_NOTICE_MINUTES: '0',
    BOOKING_ACCEPT_DEADLINE_MINUTES: '0',
    BOOKING_EXPIRY_CRON: '* * * * * *',
    SESSION_JOBS_CRON: '* * * * * *',
    // The start window closes 6 s after a lesson's start, so a test can wait it out (docs/design.md §4).
    SESSION_START_LATE_MINUTES: '0.1',
    ESCROW_RELEASE_DELAY_HOURS: '0.001',
    ESCROW_RELEASE_CRON: '* * * * * *',
    PAYMENT_RECONCILE_CRON: '* * * * * *',
    REMINDER_CRON: '* * * * * *',
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...overrides,
  };
  const logs = Object.fromEntries(APPS.map((a) => [a, [] as string[]])) as Record<AppName, string[]>;
  const children = new Map<AppName, AppProcess>();

  const start = async (app: AppName) => {
    const env: Record<string, string> = { ...common };
    // The sandbox's CHAPA_SANDBOX_PUBLIC_URL is its own address (the hosted checkout page).
    if (app === 'chapa-sandbox') env.CHAPA_SANDBOX_PUBLIC_URL = urls['chapa-sandbox'];
    const proc = await startAppProcess(app, env, { from: 'dist', port: ports[app] });
    logs[app] = proc.logs;
    children.set(app, proc);
  };

  const kill = async (app: AppName, signal: NodeJS.Signals = 'SIGTERM') => {
    await children.get(app)?.stop(signal);
    children.delete(app);
  };

  try {
    // Services first (each migrates its schema), then the gateway and the sandbox.
    await Promise.all((['bookings', 'sessions', 'payments', 'notifications'] as AppName[]).map(start));
    await Promise.all((['gateway', 'chapa-sandbox'] as AppName[]).map(start));
  } catch (err) {
    await Promise.all([...children.keys()].map((a) => kill(a, 'SIGKILL')));
    await db.drop();
    throw err;
  }

  return {
    urls,
    api: `${urls.gateway}/api`,
    db,
    namespace,
    logs,
    kill,
    start,
    async stop() {
      await Promise.all([...children.keys()].map((a) => kill(a)));
      await deleteNamespace(namespace, ['gateway', 'bookings', 'sessions', 'payments', 'notifications']).catch(() => undefined);
      await db.drop();
    },
  };
}

