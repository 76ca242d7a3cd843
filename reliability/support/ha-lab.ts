import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TestDatabase } from '@tutorhub/testing';

/**
 * The HA fault lab (docs/reliability.md, "HA fault lab"): production's topology on this machine,
 * on loopback only, on ports nobody else uses, under /tmp/tutorhub-ha:
 *
 * - RabbitMQ: three nodes lab1..lab3@localhost (AMQP 5681-5683, distribution 25681-25683), one
 *   private Erlang cookie (their own HOME), joined with `rabbitmqctl join_cluster`,
 *   `cluster_partition_handling = pause_minority` as the RabbitMQ Cluster Operator configures;
 * - Postgres 15: a primary on 5434 and a streaming replica (`replica1`) on 5435, synchronous
 *   (`synchronous_standby_names = 'FIRST 1 (replica1)'`, what CloudNativePG's
 *   `minSyncReplicas: 1` / `maxSyncReplicas: 1` amounts to);
 * - HAProxy on 127.0.0.1:5440 in front of both, with a health check that only passes on the
 *   writable node (`pg_is_in_recovery()` is false): the lab's stand-in for CloudNativePG's `-rw`
 *   Service, which follows the primary.
 *
 * The machine's shared Postgres (5432) and RabbitMQ (rabbit@localhost, 5672) are never touched:
 * every rabbitmqctl here runs with the lab's HOME, so it holds only the lab's cookie and cannot
 * even authenticate against the shared node. Needs root (it runs Postgres as `postgres`, RabbitMQ
 * as `rabbitmq`, and iptables for the partition) and the `haproxy` and `iptables` packages.
 */
export const HA_DIR = '/tmp/tutorhub-ha';
const PG_BIN = '/usr/lib/postgresql/15/bin';
const RABBIT_BIN = '/usr/lib/rabbitmq/bin';
export const AMQP_PORTS = [5681, 5682, 5683];
const DIST_PORTS = [25681, 25682, 25683];
export const PG_PORTS = { primary: 5434, replica: 5435 };
export const PROXY_PORT = 5440;
const HAPROXY_PID = join(HA_DIR, 'haproxy.pid');
// Each broker node's outgoing distribution connections leave from its own loopback address, so
// that one node can be cut off from the others with iptables without touching anything else.
const NODE_IPS = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
const IPTABLES_TAG = 'tutorhub-ha-partition';

export const nodeName = (i: number) => `lab${i + 1}@localhost`;

function run(cmd: string, args: string[], opts: { env?: Record<string, string>; timeout?: number } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeout ?? 120_000 });
}

function ok(cmd: string, args: string[], timeout = 60_000): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore', timeout }).status === 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`HA lab: ${what} not ready within ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** Fails with a clear message when a package the lab needs is missing. */
export function requireTools(): void {
  const missing = [
    ['haproxy', '/usr/sbin/haproxy'],
    ['iptables', '/usr/sbin/iptables'],
    ['rabbitmq-server', `${RABBIT_BIN}/rabbitmq-server`],
    ['postgresql-15', `${PG_BIN}/pg_basebackup`],
  ].filter(([, p]) => !existsSync(p));
  if (missing.length) throw new Error(`HA lab: missing ${missing.map(([n]) => n).join(', ')} — apt-get install -y ${missing.map(([n]) => n).join(' ')}`);
  if (process.getuid?.() !== 0) throw new Error('HA lab: needs root (Postgres runs as postgres, RabbitMQ as rabbitmq, the partition uses iptables)');
}

// ---------------------------------------------------------------- RabbitMQ

const rabbitHome = join(HA_DIR, 'rabbit', 'home');
const nodeDir = (i: number) => join(HA_DIR, 'rabbit', `lab${i + 1}`);

function rabbitEnv(i: number): Record<string, string> {
  const dir = nodeDir(i);
  return {
    HOME: rabbitHome,
    RABBITMQ_NODENAME: nodeName(i),
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(AMQP_PORTS[i]),
    RABBITMQ_DIST_PORT: String(DIST_PORTS[i]),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'pid'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    // 10 s instead of 60 s to notice a lost peer: a partition is detected within the scenario.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-kernel net_ticktime 10 -kernel inet_dist_connect_options [{ip,{${NODE_IPS[i].replace(/\./g, ',')}}}]`,
  };
}

/** `rabbitmqctl` as the `rabbitmq` user with the lab's HOME (its cookie only). */
export function rabbitmqctl(i: number, args: string[], timeout = 120_000): string {
  return run('runuser', ['-u', 'rabbitmq', '--', 'env', `HOME=${rabbitHome}`, `${RABBIT_BIN}/rabbitmqctl`, '-n', nodeName(i), ...args], { timeout });
}

function rabbitmqctlOk(i: number, args: string[], timeout = 30_000): boolean {
  return ok('runuser', ['-u', 'rabbitmq', '--', 'env', `HOME=${rabbitHome}`, `${RABBIT_BIN}/rabbitmqctl`, '-n', nodeName(i), ...args], timeout);
}

function startNodeProcess(i: number): void {
  const env = rabbitEnv(i);
  const pass = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  run('runuser', ['-u', 'rabbitmq', '--', 'env', ...pass, `${RABBIT_BIN}/rabbitmq-server`, '-detached']);
}

function prepareNode(i: number): void {
  const dir = nodeDir(i);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${AMQP_PORTS[i]}`,
      'loopback_users = none',
      // What the RabbitMQ Cluster Operator sets: the minority side of a partition pauses (closes
      // its clients' connections), the majority keeps serving; quorum queues need a majority anyway.
      'cluster_partition_handling = pause_minority',
      'log.console = false',
      'log.file.level = warning',
    ].join('\n') + '\n',
  );
  writeFileSync(join(dir, 'advanced.config'), '[].\n');
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
}

async function waitNode(i: number, timeoutMs = 180_000): Promise<void> {
  await waitFor(`RabbitMQ ${nodeName(i)}`, () => rabbitmqctlOk(i, ['-q', 'ping'], 15_000), timeoutMs);
  rabbitmqctl(i, ['await_startup', '--timeout', String(Math.round(timeoutMs / 1000))], timeoutMs + 10_000);
}

export function nodePid(i: number): number | undefined {
  const f = join(nodeDir(i), 'pid');
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').trim());
  return pid > 0 && ok('kill', ['-0', String(pid)]) ? pid : undefined;
}

// ---------------------------------------------------------------- Postgres

const pgDir = (which: 'primary' | 'replica') => join(HA_DIR, 'pg', which);
const asPostgres = (cmd: string, args: string[], timeout = 120_000) => run('runuser', ['-u', 'postgres', '--', cmd, ...args], { timeout });

function postmasterPid(which: 'primary' | 'replica'): number | undefined {
  const f = join(pgDir(which), 'postmaster.pid');
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').split('\n')[0]);
  return pid > 0 && ok('kill', ['-0', String(pid)]) ? pid : undefined;
}

/** kill -9 a postmaster and all its backends: what losing the machine looks like to clients. */
function killPostgres(which: 'primary' | 'replica'): void {
  const pid = postmasterPid(which);
  if (!pid) return;
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  ok('kill', ['-9', String(pid), ...children]);
}

async function pgReady(port: number): Promise<boolean> {
  const c = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
  // A cut connection also emits 'error'; unhandled, it would end the test run (the query's rejection reports it).
  c.on('error', () => undefined);
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

export async function pgQuery<T = Record<string, unknown>>(port: number, sql: string, database = 'postgres'): Promise<T[]> {
  const c = new Client({ host: '127.0.0.1', port, user: 'postgres', database, connectionTimeoutMillis: 5000 });
  // A cut connection also emits 'error'; unhandled, it would end the test run (the query's rejection reports it).
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function startDatabasePair(): Promise<void> {
  teardownDatabasePair();
  mkdirSync(join(HA_DIR, 'pg'), { recursive: true });
  run('chown', ['postgres:postgres', join(HA_DIR, 'pg')]);
  const primary = pgDir('primary');
  asPostgres(`${PG_BIN}/initdb`, ['-D', primary, '-U', 'postgres', '--auth=trust', '--no-sync']);
  appendFileSync(
    join(primary, 'postgresql.conf'),
    [
      '# tutorhub HA lab',
      `port = ${PG_PORTS.primary}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${join(HA_DIR, 'pg')}'`,
      'max_connections = 150',
      'wal_level = replica',
      'max_wal_senders = 5',
      'hot_standby = on',
      // Synchronous replication, as the prod overlay asks of CloudNativePG: a commit is
      // acknowledged only once replica1 has it, so a failover never loses an acknowledged write.
      "synchronous_standby_names = 'FIRST 1 (replica1)'",
      'synchronous_commit = on',
      "logging_collector = off",
      '',
    ].join('\n'),
  );
  asPostgres(`${PG_BIN}/pg_ctl`, ['-D', primary, '-l', join(HA_DIR, 'pg', 'primary.log'), '-w', '-t', '120', 'start']);
  const replica = pgDir('replica');
  asPostgres(`${PG_BIN}/pg_basebackup`, ['-h', '127.0.0.1', '-p', String(PG_PORTS.primary), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream', '--no-sync']);
  appendFileSync(
    join(replica, 'postgresql.conf'),
    [
      `port = ${PG_PORTS.replica}`,
      // Once promoted it is alone in the lab (the killed primary is not brought back): it commits
      // without waiting for a standby. With three instances (prod) the next replica takes over.
      "synchronous_standby_names = ''",
      '',
    ].join('\n'),
  );
  appendFileSync(join(replica, 'postgresql.auto.conf'), `primary_conninfo = 'host=127.0.0.1 port=${PG_PORTS.primary} user=postgres application_name=replica1'\n`);
  asPostgres(`${PG_BIN}/pg_ctl`, ['-D', replica, '-l', join(HA_DIR, 'pg', 'replica.log'), '-w', '-t', '120', 'start']);
  await waitFor('replica1 streaming synchronously', async () => {
    const rows = await pgQuery<{ sync_state: string }>(PG_PORTS.primary, "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'replica1'").catch(() => []);
    return rows[0]?.sync_state === 'sync';
  });
}

function teardownDatabasePair(): void {
  killPostgres('primary');
  killPostgres('replica');
  rmSync(join(HA_DIR, 'pg'), { recursive: true, force: true });
}

// ---------------------------------------------------------------- HAProxy

function startProxy(): void {
  stopProxy();
  const check = join(HA_DIR, 'pg-writable.sh');
  // HAProxy's external check: $3 = server address, $4 = port. Up only where a write would work.
  writeFileSync(
    check,
    `#!/bin/sh\nexec runuser -u postgres -- /usr/bin/psql -h "$3" -p "$4" -U postgres -d postgres -Atq -c 'SELECT pg_is_in_recovery()' 2>/dev/null | grep -qx f\n`,
  );
  chmodSync(check, 0o755);
  const cfg = join(HA_DIR, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '  external-check',
      '  insecure-fork-wanted',
      `  pidfile ${HAPROXY_PID}`,
      'defaults',
      '  mode tcp',
      '  timeout connect 3s',
      '  timeout client 1h',
      '  timeout server 1h',
      'listen postgres-rw',
      `  bind 127.0.0.1:${PROXY_PORT}`,
      // The first server that is up gets every connection: HAProxy 2.6 counts a server as up until
      // its first check has run, and round-robin could hand a new connection to the standby then.
      '  balance first',
      '  option external-check',
      `  external-check command ${check}`,
      '  external-check path "/usr/bin:/bin:/usr/sbin:/sbin"',
      // Every second; a node that fails one check is out, and its open connections are cut
      // (clients reconnect through the proxy and reach the new primary).
      '  default-server inter 1s fall 1 rise 1 on-marked-down shutdown-sessions',
      `  server primary 127.0.0.1:${PG_PORTS.primary} check`,
      `  server replica 127.0.0.1:${PG_PORTS.replica} check`,
      '',
    ].join('\n'),
  );
  run('haproxy', ['-D', '-f', cfg]);
}

/** Until every server has had its first check: only then is "up" in HAProxy "writable". */
async function proxyOnPrimary(): Promise<void> {
  await waitFor('HAProxy to reach the primary', () => pgReady(PROXY_PORT));
  await sleep(2500);
  for (let i = 0; i < 5; i++) {
    const rows = await pgQuery<{ r: boolean }>(PROXY_PORT, 'SELECT pg_is_in_recovery() AS r');
    if (rows[0]?.r !== false) throw new Error('HA lab: HAProxy sent a connection to the standby');
  }
}

function stopProxy(): void {
  if (!existsSync(HAPROXY_PID)) return;
  for (const pid of readFileSync(HAPROXY_PID, 'utf8').split('\n').filter(Boolean)) ok('kill', ['-9', pid]);
  rmSync(HAPROXY_PID, { force: true });
}

// ---------------------------------------------------------------- partition

function iptablesRules(i: number): string[][] {
  // Node i is cut off from the other nodes' Erlang distribution, and only that: its own
  // distribution port (the others' connections to it) and its outgoing distribution
  // connections (which leave from its own loopback address). AMQP clients still reach it.
  const c = ['-m', 'comment', '--comment', IPTABLES_TAG];
  return [
    ['-p', 'tcp', '--dport', String(DIST_PORTS[i]), ...c, '-j', 'DROP'],
    ['-p', 'tcp', '--sport', String(DIST_PORTS[i]), ...c, '-j', 'DROP'],
    ['-s', NODE_IPS[i], '-p', 'tcp', ...c, '-j', 'DROP'],
    ['-d', NODE_IPS[i], '-p', 'tcp', ...c, '-j', 'DROP'],
  ];
}

function removePartitionRules(): void {
  for (const chain of ['INPUT', 'OUTPUT']) {
    const lines = spawnSync('iptables', ['-S', chain], { encoding: 'utf8' }).stdout?.split('\n') ?? [];
    for (const line of lines.filter((l) => l.includes(IPTABLES_TAG))) {
      ok('iptables', (line.replace(/^-A /, '-D ').match(/"[^"]*"|\S+/g) ?? []).map((s) => s.replace(/^"|"$/g, '')));
    }
  }
}

// ---------------------------------------------------------------- the lab

export interface HaLab {
  amqpUrls: string[];
  /** Through HAProxy: always the writable node. */
  pgUrl: string;
  createDatabase(): Promise<TestDatabase>;
  /** Quorum queues led by each node (queues whose name starts with `prefix`). */
  leaders(prefix: string): Record<string, number>;
  /** kill -9 of broker node i's Erlang VM. */
  killNode(i: number): void;
  /** `rabbitmqctl stop` (the whole node goes away, cleanly). */
  stopNode(i: number): void;
  /** Starts node i again (after a kill or stop) and waits until it is back in the cluster. */
  startNode(i: number): Promise<void>;
  partition(i: number): void;
  /**
   * Removes the partition and waits for node i to rejoin. Returns whether it had to be
   * restarted: a node that paused as the minority should resume by itself, but on RabbitMQ
   * 3.10 / Erlang 25 it can hang in its boot's `global:sync` after the heal; then the lab does
   * what an operator (or Kubernetes, for a pod that stays unready) does: kill and restart it.
   */
  heal(i: number, selfRecoveryMs?: number): Promise<{ restarted: boolean; rejoinedAfterMs: number }>;
  /** kill -9 of the Postgres primary (postmaster and backends). */
  killPrimary(): void;
  /** `pg_ctl promote` of the replica; resolves once the proxy sends writes to it. */
  promoteReplica(): Promise<void>;
  /** A fresh synchronous pair behind the proxy (after a failover scenario). */
  resetDatabase(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the whole lab (from scratch: whatever an interrupted run left is removed first). */
export async function openHaLab(): Promise<HaLab> {
  requireTools();
  await teardown();
  mkdirSync(rabbitHome, { recursive: true });
  writeFileSync(join(rabbitHome, '.erlang.cookie'), randomBytes(20).toString('hex').toUpperCase());
  chmodSync(join(rabbitHome, '.erlang.cookie'), 0o400);
  for (let i = 0; i < 3; i++) prepareNode(i);
  run('chown', ['-R', 'rabbitmq:rabbitmq', join(HA_DIR, 'rabbit')]);
  for (let i = 0; i < 3; i++) startNodeProcess(i);
  await startDatabasePair();
  startProxy();
  for (let i = 0; i < 3; i++) await waitNode(i);
  for (const i of [1, 2]) {
    rabbitmqctl(i, ['stop_app']);
    rabbitmqctl(i, ['join_cluster', nodeName(0)]);
    rabbitmqctl(i, ['start_app']);
    await waitNode(i);
  }
  await proxyOnPrimary();

  const pgUrl = `postgres://postgres@127.0.0.1:${PROXY_PORT}/postgres`;
  return {
    amqpUrls: AMQP_PORTS.map((p) => `amqp://guest:guest@127.0.0.1:${p}`),
    pgUrl,
    async createDatabase() {
      const name = `ha_test_${randomBytes(5).toString('hex')}`;
      await pgQuery(PROXY_PORT, `CREATE DATABASE "${name}"`);
      return {
        url: pgUrl.replace(/\/postgres$/, `/${name}`),
        name,
        async drop() {
          await pgQuery(PROXY_PORT, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
        },
      };
    },
    leaders(prefix) {
      const out: Record<string, number> = {};
      for (let i = 0; i < 3; i++) {
        try {
          const rows = JSON.parse(rabbitmqctl(i, ['list_queues', 'name', 'leader', '--formatter', 'json', '-q'], 30_000)) as Array<{ name: string; leader: string }>;
          for (const r of rows.filter((q) => q.name.startsWith(prefix))) out[r.leader] = (out[r.leader] ?? 0) + 1;
          return out;
        } catch {
          // that node is down: ask the next
        }
      }
      return out;
    },
    killNode(i) {
      const pid = nodePid(i);
      if (!pid) throw new Error(`HA lab: ${nodeName(i)} has no running process`);
      ok('kill', ['-9', String(pid)]);
    },
    stopNode(i) {
      rabbitmqctl(i, ['stop']);
    },
    async startNode(i) {
      if (!nodePid(i)) startNodeProcess(i);
      await waitNode(i);
    },
    partition(i) {
      removePartitionRules();
      for (const rule of iptablesRules(i)) run('iptables', ['-I', 'OUTPUT', ...rule]);
    },
    async heal(i, selfRecoveryMs = 90_000) {
      const t0 = Date.now();
      removePartitionRules();
      try {
        await waitNode(i, selfRecoveryMs);
        return { restarted: false, rejoinedAfterMs: Date.now() - t0 };
      } catch {
        const pid = nodePid(i);
        if (pid) ok('kill', ['-9', String(pid)]);
        startNodeProcess(i);
        await waitNode(i);
        return { restarted: true, rejoinedAfterMs: Date.now() - t0 };
      }
    },
    killPrimary() {
      killPostgres('primary');
    },
    async promoteReplica() {
      asPostgres(`${PG_BIN}/pg_ctl`, ['-D', pgDir('replica'), '-w', '-t', '120', 'promote']);
      await waitFor('HAProxy to send writes to the promoted replica', async () => {
        const rows = await pgQuery<{ r: boolean }>(PROXY_PORT, 'SELECT pg_is_in_recovery() AS r').catch(() => []);
        return rows[0]?.r === false;
      });
    },
    async resetDatabase() {
      await startDatabasePair();
      startProxy();
      await proxyOnPrimary();
    },
    close: teardown,
  };
}

/** Removes everything the lab started; safe to call any number of times, and after a crash. */
export async function teardown(): Promise<void> {
  removePartitionRules();
  stopProxy();
  teardownDatabasePair();
  for (let i = 0; i < 3; i++) {
    const pid = nodePid(i);
    if (pid) ok('kill', ['-9', String(pid)]);
  }
  // The lab nodes' epmd registrations die with them; the shared epmd itself is left alone.
  rmSync(HA_DIR, { recursive: true, force: true });
}
