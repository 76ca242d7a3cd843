import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { TestDatabase } from '@tutorhub/testing';

/**
 * Where the fault scenarios break things. Stopping RabbitMQ or restarting Postgres for 30 s
 * would break every other test and platform running on this machine (colleagues share the
 * machine's services), so by default the slow suite runs on a private "fault lab":
 * - Postgres: a second cluster of the installed version, `reliability`, on 127.0.0.1:5433
 *   (trust auth), created with `pg_createcluster` on first use;
 * - RabbitMQ: a second node, `reliability@localhost`, on 127.0.0.1:5673, data under
 *   /var/tmp/tutorhub-reliability-rabbit.
 * Both are the same software as the machine's own, started and broken with the same commands
 * (`pg_ctlcluster … restart`, `rabbitmqctl -n … stop_app / start_app`). Needs root.
 *
 * `RELIABILITY_LAB=shared` runs the faults on the machine's own services instead (cluster
 * `main` on TEST_DATABASE_URL's server, node `rabbit@localhost` on TEST_AMQP_URL): only when
 * nobody else is using them.
 */
export interface Lab {
  kind: 'private' | 'shared';
  pgVersion: string;
  pgCluster: string;
  pgUrl: string;
  rabbitNode: string;
  amqpUrl: string;
  createDatabase(): Promise<TestDatabase>;
  /** `rabbitmqctl stop_app` / `start_app` on the lab's node. */
  stopBroker(): void;
  startBroker(): void;
  /** `pg_ctlcluster <v> <cluster> restart` (fast shutdown: open transactions are rolled back). */
  restartDatabase(): void;
  /** `pg_ctlcluster <v> <cluster> stop` / `start`: a restart with a longer gap in between. */
  stopDatabase(): void;
  startDatabase(): void;
}

const RABBIT_DIR = '/var/tmp/tutorhub-reliability-rabbit';

function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

function ok(cmd: string, args: string[], env: Record<string, string> = {}): boolean {
  return spawnSync(cmd, args, { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 120_000 }).status === 0;
}

async function waitFor(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`fault lab: ${what} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function pgReady(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined); // a cut connection is reported by the pending query; unhandled, the event would end the run
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function openLab(): Promise<Lab> {
  const pgVersion = readdirSync('/etc/postgresql').sort().pop() ?? '15';
  const shared = process.env.RELIABILITY_LAB === 'shared';
  const pgCluster = shared ? 'main' : 'reliability';
  const pgPort = shared ? 5432 : 5433;
  const rabbitNode = shared ? 'rabbit@localhost' : 'reliability@localhost';
  const rabbitPort = shared ? 5672 : 5673;
  const pgUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
  const amqpUrl = `amqp://guest:guest@127.0.0.1:${rabbitPort}`;

  if (!shared) {
    if (!existsSync(`/etc/postgresql/${pgVersion}/${pgCluster}`)) {
      run('pg_createcluster', [pgVersion, pgCluster, '-p', String(pgPort), '--', '--auth=trust']);
    }
    if (!(await pgReady(pgUrl))) ok('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion, pgCluster, 'start']);
    const rabbitEnv = {
      RABBITMQ_NODENAME: rabbitNode,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(rabbitPort),
      RABBITMQ_DIST_PORT: '25673',
      RABBITMQ_MNESIA_BASE: `${RABBIT_DIR}/mnesia`,
      RABBITMQ_LOG_BASE: `${RABBIT_DIR}/log`,
      RABBITMQ_PID_FILE: `${RABBIT_DIR}/pid`,
      RABBITMQ_ENABLED_PLUGINS_FILE: `${RABBIT_DIR}/enabled_plugins`,
      RABBITMQ_CONFIG_FILE: `${RABBIT_DIR}/none`,
    };
    if (!ok('rabbitmqctl', ['-n', rabbitNode, '-q', 'status'])) {
      if (!ok('rabbitmqctl', ['-n', rabbitNode, '-q', 'ping'])) {
        mkdirSync(RABBIT_DIR, { recursive: true });
        run('chown', ['rabbitmq:rabbitmq', RABBIT_DIR]);
        run('rabbitmq-server', ['-detached'], rabbitEnv);
        await waitFor('the RabbitMQ node to answer', () => ok('rabbitmqctl', ['-n', rabbitNode, '-q', 'ping']));
      }
      // A node left with its app stopped (an interrupted outage scenario) only needs the app.
      ok('rabbitmqctl', ['-n', rabbitNode, 'start_app']);
    }
    run('rabbitmqctl', ['-n', rabbitNode, 'await_startup', '--timeout', '90']);
  }
  await waitFor('Postgres', () => pgReady(pgUrl));

  return {
    kind: shared ? 'shared' : 'private',
    pgVersion,
    pgCluster,
    pgUrl,
    rabbitNode,
    amqpUrl,
    async createDatabase() {
      const name = `reliability_test_${randomBytes(5).toString('hex')}`;
      const admin = new Client({ connectionString: pgUrl });
      admin.on('error', () => undefined); // a cut connection is reported by the pending query; unhandled, the event would end the run
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      const url = pgUrl.replace(/\/postgres$/, `/${name}`);
      return {
        url,
        name,
        async drop() {
          await waitFor('Postgres (to drop the test database)', () => pgReady(pgUrl));
          const c = new Client({ connectionString: pgUrl });
          c.on('error', () => undefined); // a cut connection is reported by the pending query; unhandled, the event would end the run
          await c.connect();
          try {
            await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          } finally {
            await c.end();
          }
        },
      };
    },
    stopBroker() {
      run('rabbitmqctl', ['-n', rabbitNode, 'stop_app']);
    },
    startBroker() {
      run('rabbitmqctl', ['-n', rabbitNode, 'start_app']);
      run('rabbitmqctl', ['-n', rabbitNode, 'await_startup', '--timeout', '90']);
    },
    restartDatabase() {
      run('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion, pgCluster, 'restart']);
    },
    stopDatabase() {
      run('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion, pgCluster, 'stop', '-m', 'fast']);
    },
    startDatabase() {
      run('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion, pgCluster, 'start']);
    },
  };
}
