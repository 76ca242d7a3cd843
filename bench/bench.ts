/**
 * `npm run bench`: how fast the whole platform runs on this machine, and how close to the
 * machine's own limits. Not a test (nothing is asserted; CI does not run it).
 *
 *  1. starts every app as its own process on a fresh database and broker namespace (the e2e
 *     suite's startPlatform) and records each one's idle memory;
 *  2. measures the ceilings on the same machine in the same run: raw Postgres single-row commits
 *     and raw RabbitMQ persistent confirmed publishes to a quorum queue;
 *  3. drives BENCH_LIFECYCLES full lessons through the gateway, BENCH_CONCURRENCY at a time
 *     (search, book, accept, pay on the sandbox checkout, confirmed, start/join/end, escrow
 *     released), with per-route HTTP latencies and the services' event lag;
 *  4. open loop (phase openloop): lessons arrive at BENCH_RATE per second whatever the answers,
 *     every request timed from when it was due (no coordinated omission); BENCH_RATE_SWEEP tries
 *     several rates and reports the highest that holds the latency targets;
 *  5. the top-of-the-hour burst (phase burst): BENCH_BURST_LESSONS confirmed lessons start at the
 *     same instant; both parties call status, the tutor starts, the student joins;
 *  6. puts BENCH_BACKLOG due escrows into the payments schema at once and times the release job
 *     draining them, then verifies every escrow was released exactly once and the ledger is exact.
 *  (phase http-adapter, before the platform starts and without it): the gateway's HTTP stack on
 *     Express and on Fastify, bare and with the gateway's per-request pieces, CPU per request
 *     (bench/lib/http-adapter.ts); phase gateway-route: the running gateway's CPU per request
 *     on two authenticated routes, the same way.
 * Prints a summary and writes bench/results/latest.json. See docs/performance.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { Client } from 'pg';
import { createTutorhubClient } from '../tools/journey/api-client';
import { register, type JourneyContext } from '../tools/journey/lesson-journey';
import { seedDueEscrows, syntheticTutors, verifyBacklog } from './lib/backlog';
import { runBurst, seedConfirmedLessons, verifyBurst } from './lib/burst';
import { postgresCeiling, rabbitCeiling, type PgCeiling, type RabbitCeiling } from './lib/ceilings';
import { DueRecorder, isGatewayRoute } from './lib/due';
import { newRunId, pool, registerPairs, runLifecycles, stepSummary, type Pair } from './lib/lifecycles';
import { addBuckets, bucketCount, counterSum, diffBuckets, histogramBuckets, histogramQuantile, scrape, type Buckets, type Sample } from './lib/metrics';
import { gatewayRouteSummary, httpAdapterSummary, runGatewayRoutePhase, runHttpAdapterPhase, type GatewayRouteResult, type HttpAdapterResult } from './lib/http-adapter';
import { runOpenLoop } from './lib/openloop';
import { findAppPids, loadPlatformModule, ROOT, type AppName, type Platform } from './lib/platform';
import { CpuMeter, cpuSeconds, machineInfo, pidsByComm, round, rssMb } from './lib/proc';
import { LatencyRecorder, summarize } from './lib/stats';

process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
process.env.TEST_AMQP_URL ??= 'amqp://guest:guest@127.0.0.1:5672';

const int = (name: string, def: number) => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? def : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number (got ${v})`);
  return n;
};

const rateList = (name: string) =>
  (process.env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const n = Number(s);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must list positive numbers (got ${s})`);
      return n;
    });
// Open loop: BENCH_RATE_SWEEP=5,10,20,40 runs each rate in turn; BENCH_RATE=<r> runs one. Setting
// either without BENCH_PHASES runs the ceilings and the open loop only.
const rates = rateList('BENCH_RATE_SWEEP').length ? rateList('BENCH_RATE_SWEEP') : rateList('BENCH_RATE').length ? rateList('BENCH_RATE') : [20];
const defaultPhases = process.env.BENCH_RATE || process.env.BENCH_RATE_SWEEP ? 'ceilings,openloop' : 'ceilings,lifecycles,backlog';
const phases = new Set((process.env.BENCH_PHASES || defaultPhases).split(',').map((s) => s.trim()));
const burstLessons = int('BENCH_BURST_LESSONS', 1000);
const config = {
  lifecycles: int('BENCH_LIFECYCLES', 600),
  concurrency: Math.max(1, int('BENCH_CONCURRENCY', 50)),
  warmupLifecycles: process.env.BENCH_WARMUP ? int('BENCH_WARMUP', 0) : -1,
  pollMs: int('BENCH_POLL_MS', 200),
  backlog: int('BENCH_BACKLOG', 100_000),
  registrations: Math.max(1, int('BENCH_REGISTRATIONS', 100)),
  backlogTutors: Math.max(1, int('BENCH_BACKLOG_TUTORS', 1000)),
  releaseBatchSize: int('ESCROW_RELEASE_BATCH_SIZE', 2500),
  releaseDelayHours: process.env.BENCH_RELEASE_DELAY_HOURS ?? '0',
  platformFeeBps: int('PLATFORM_FEE_BPS', 1500),
  ceilingSeconds: int('BENCH_CEILING_SECONDS', 3),
  postgresCeilingClients: (process.env.BENCH_PG_CLIENTS ?? '1,4,16').split(',').map(Number).filter((n) => n > 0),
  idleSettleSeconds: int('BENCH_IDLE_SETTLE_SECONDS', 5),
  drainTimeoutSeconds: int('BENCH_DRAIN_TIMEOUT_SECONDS', 300),
  openLoop: {
    rates,
    seconds: int('BENCH_RATE_SECONDS', 30),
    warmupSeconds: int('BENCH_RATE_WARMUP_SECONDS', 5),
    // A pair runs one lesson at a time: the pairs bound lessons in flight (a safety, reported if hit).
    pairs: Math.max(1, int('BENCH_RATE_PAIRS', Math.max(10, Math.ceil(4 * Math.max(...rates))))),
  },
  burst: {
    lessons: burstLessons,
    spreadSeconds: int('BENCH_BURST_SPREAD_S', 0),
    clientConcurrency: int('BENCH_BURST_CLIENT_CONCURRENCY', 500),
    seedConcurrency: Math.max(1, int('BENCH_BURST_SEED_CONCURRENCY', 50)),
    leadSeconds: int('BENCH_BURST_LEAD_SECONDS', Math.max(120, Math.ceil(0.3 * burstLessons))),
  },
  httpAdapter: {
    concurrency: Math.max(1, int('BENCH_HTTP_CONCURRENCY', 50)),
    requests: Math.max(1, int('BENCH_HTTP_REQUESTS', 5000)),
    rounds: Math.max(1, int('BENCH_HTTP_ROUNDS', 5)),
    warmup: int('BENCH_HTTP_WARMUP', 10000),
  },
  phases: [...phases],
};
if (config.warmupLifecycles < 0) config.warmupLifecycles = config.concurrency;

/** Anything the apps should run with: the bench's own settings, then BENCH_APP_<VAR>=value. */
const appOverrides: Record<string, string> = {
  // Generous limits: every simulated user comes from 127.0.0.1.
  AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
  RATE_LIMIT_PER_MINUTE: '1000000',
  // The release follows the session's end at the next tick of the job (see docs/performance.md).
  ESCROW_RELEASE_DELAY_HOURS: config.releaseDelayHours,
  // The design's start window (docs/design.md §4), not the e2e harness' 6 s: the burst's calls
  // come up to a minute or more after the lessons' start.
  SESSION_START_LATE_MINUTES: '15',
  ESCROW_RELEASE_CRON: '* * * * * *',
  ESCROW_RELEASE_BATCH_SIZE: String(config.releaseBatchSize),
  PLATFORM_FEE_BPS: String(config.platformFeeBps),
  ...Object.fromEntries(
    Object.entries(process.env)
      .filter(([k, v]) => k.startsWith('BENCH_APP_') && v !== undefined)
      .map(([k, v]) => [k.slice('BENCH_APP_'.length), v as string]),
  ),
};

const SERVICES = ['gateway', 'bookings', 'sessions', 'payments', 'notifications'] as const;
const APPS: AppName[] = ['gateway', 'bookings', 'sessions', 'payments', 'notifications', 'chapa-sandbox'];
// Issue 15's targets (docs/performance.md "Results against the goals"); 100 lifecycles/s stays
// the long-term aim, 40/s at concurrency 50 with ≤ 45 ms of platform CPU each is this round's.
const GOALS = {
  lifecyclesPerSecond: 40,
  platformCpuMsPerLifecycle: 45,
  httpP99Ms: 100,
  eventLagP99Ms: 50,
  backlogSeconds: 10,
  drainSeconds: 60,
  idleRssMb: 120,
  openLoopRate: 20,
  burstP99Ms: 200,
};
/** What counts as the platform's own CPU in a lifecycle: apps, their Postgres backends, RabbitMQ. */
const NOT_PLATFORM = ['otherProcesses', 'bench', 'postgresOther'];

function platformCpuMs(perLifecycle: Record<string, number> = {}): number {
  return Object.entries(perLifecycle)
    .filter(([k]) => !NOT_PLATFORM.includes(k))
    .reduce((a, [, v]) => a + v, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const r1 = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? null : round(n, 1));
const r3 = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? null : round(n, 3));

/**
 * `n` registrations sent at once, twice. First each sent once (no retry): latency and status of
 * every answer, how many were shed (503 gateway.overloaded), and meanwhile the latency of
 * `GET /health/ready` and `GET /api` probed every 100 ms (what a saturated gateway still
 * answers). Then `n` more through the client's default retries (Retry-After): the time until
 * each account exists.
 */
async function registrationBurst(gateway: string, n: number) {
  const body = (tag: string, i: number) => ({ email: `burst.${tag}.${i}.${newRunId()}@example.com`, password: 'correct horse battery staple', fullName: `Burst ${i}`, role: 'student' as const });
  const probes = { health: new LatencyRecorder(), api: new LatencyRecorder() };
  let probing = true;
  const probe = async (rec: LatencyRecorder, path: string) => {
    while (probing) {
      const t = performance.now();
      const res = await fetch(`${gateway}${path}`).catch(() => null);
      await res?.arrayBuffer();
      rec.record(path, performance.now() - t, res?.status ?? 0);
      await sleep(100);
    }
  };
  const probers = [probe(probes.health, '/health/ready'), probe(probes.api, '/api')];
  const once = createTutorhubClient({ baseUrl: gateway, retries: 0 });
  const single = new LatencyRecorder();
  log(`registration burst: ${n} at once, each sent once …`);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t = performance.now();
      const a = await once.POST('/api/auth/register', { body: body('once', i) });
      single.record('POST /api/auth/register', performance.now() - t, a.response.status);
    }),
  );
  const onceSeconds = (performance.now() - t0) / 1000;
  probing = false;
  await Promise.all(probers);
  const first = single.summary().all;
  log(`  ${n} in ${onceSeconds.toFixed(1)} s: ${JSON.stringify(first.statuses)}, p50 ${first.p50Ms} ms, p99 ${first.p99Ms} ms`);

  log(`registration burst: ${n} at once through the client's retries …`);
  const retrying = createTutorhubClient({ baseUrl: gateway });
  const until = new LatencyRecorder();
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t = performance.now();
      const a = await retrying.POST('/api/auth/register', { body: body('retry', i) });
      until.record('POST /api/auth/register', performance.now() - t, a.response.status);
    }),
  );
  const retrySeconds = (performance.now() - t1) / 1000;
  const all = until.summary().all;
  log(`  ${n} in ${retrySeconds.toFixed(1)} s: ${JSON.stringify(all.statuses)}, p50 ${all.p50Ms} ms, p99 ${all.p99Ms} ms`);
  return {
    n,
    once: { seconds: r3(onceSeconds), ...first, probes: { healthReady: probes.health.summary().all, apiIndex: probes.api.summary().all } },
    withRetries: { seconds: r3(retrySeconds), ...all },
  };
}

async function scrapeAll(platform: Platform): Promise<Record<string, Sample[]>> {
  const entries = await Promise.all(SERVICES.map(async (s) => [s, await scrape(platform.urls[s])] as const));
  return Object.fromEntries(entries);
}

/** Histogram quantiles over what happened between two scrapes, per service and summed. */
function histogramReport(before: Record<string, Sample[]>, after: Record<string, Sample[]>, name: string, where?: (l: Record<string, string>) => boolean) {
  let total: Buckets = new Map();
  const perService: Record<string, { count: number; p50Ms: number | null; p99Ms: number | null }> = {};
  for (const s of SERVICES) {
    const d = diffBuckets(histogramBuckets(after[s], name, where), histogramBuckets(before[s], name, where));
    total = addBuckets(total, d);
    const n = bucketCount(d);
    if (n > 0) perService[s] = { count: n, p50Ms: r1((histogramQuantile(0.5, d) ?? NaN) * 1000), p99Ms: r1((histogramQuantile(0.99, d) ?? NaN) * 1000) };
  }
  return {
    count: bucketCount(total),
    p50Ms: r1((histogramQuantile(0.5, total) ?? NaN) * 1000),
    p90Ms: r1((histogramQuantile(0.9, total) ?? NaN) * 1000),
    p99Ms: r1((histogramQuantile(0.99, total) ?? NaN) * 1000),
    perService,
  };
}

function counterDelta(before: Record<string, Sample[]>, after: Record<string, Sample[]>, name: string) {
  const out: Record<string, number> = {};
  let total = 0;
  for (const s of SERVICES) {
    const d = counterSum(after[s], name) - counterSum(before[s], name);
    if (d) out[s] = d;
    total += d;
  }
  return { total, perService: out };
}

async function xactCommits(client: Client, dbName: string): Promise<number> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query(`SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = $1`, [dbName]);
  return Number(rows[0]?.n ?? 0);
}

async function main() {
  const startedAt = new Date();
  const machine = machineInfo();
  log(`tutorhub bench — ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
  log(`config: ${JSON.stringify(config)}`);
  log(`app overrides: ${JSON.stringify(appOverrides)}`);

  // ---- HTTP adapter (Express against Fastify): needs neither the platform nor its database ----
  let httpAdapter: HttpAdapterResult | null = null;
  if (phases.has('http-adapter')) {
    httpAdapter = await runHttpAdapterPhase({ ...config.httpAdapter, log });
    if ([...phases].every((p) => p === 'http-adapter')) {
      const out = { benchVersion: 1, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine, config, httpAdapter };
      const dir = join(ROOT, 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
      process.stdout.write('\n==== tutorhub bench summary ====\n');
      process.stdout.write(`machine: ${machine.cpus} cores, ${machine.memoryGiB} GiB, node ${machine.node}\n`);
      process.stdout.write(httpAdapterSummary(httpAdapter));
      process.stdout.write(`written: bench/results/latest.json\n`);
      return;
    }
  }

  const { startPlatform } = loadPlatformModule();
  log('starting the platform (build, fresh database, every app as its own process) …');
  const t0 = performance.now();
  // startPlatform rebuilds dist/ first; another build running at the same moment (others share
  // this tree) can make that fail, so try a few times.
  let started: Platform | undefined;
  for (let attempt = 1; !started; attempt++) {
    try {
      started = await startPlatform(appOverrides);
    } catch (err) {
      if (attempt >= 3 || !/build failed/.test((err as Error).message)) throw err;
      log(`build failed (a concurrent build?), retrying: ${(err as Error).message.split('\n')[0]}`);
      await sleep(3000);
    }
  }
  const platform: Platform = started;
  const platformStartSeconds = (performance.now() - t0) / 1000;
  log(`platform up in ${platformStartSeconds.toFixed(1)} s: ${platform.api} (database ${platform.db.name}, namespace ${platform.namespace})`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping the platform …');
    await platform.stop().catch((err) => log(`stop failed: ${(err as Error).message}`));
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));

  const results: Record<string, unknown> = {};
  try {
    const pids = findAppPids(platform, APPS);
    const missing = APPS.filter((a) => !pids[a]);
    if (missing.length) log(`warning: no process found for ${missing.join(', ')}`);

    // ---- idle memory ----
    log(`letting the apps settle for ${config.idleSettleSeconds} s, then reading their resident memory …`);
    await sleep(config.idleSettleSeconds * 1000);
    const idleMemory = Object.fromEntries(APPS.map((a) => [a, { pid: pids[a] ?? null, rssMb: pids[a] ? rssMb(pids[a] as number) : null }]));
    const idleMax = Math.max(...Object.values(idleMemory).map((m) => m.rssMb ?? 0));
    log(`idle RSS (MB): ${APPS.map((a) => `${a} ${idleMemory[a].rssMb}`).join(', ')}`);

    // ---- ceilings ----
    const pgRuns: PgCeiling[] = [];
    let pgPrimary: PgCeiling | null = null;
    let rabbit: RabbitCeiling | null = null;
    if (phases.has('ceilings')) {
      for (const clients of config.postgresCeilingClients) {
        try {
          const r = await postgresCeiling(platform.db.url, clients, config.ceilingSeconds);
          pgRuns.push(r);
          log(`ceiling: Postgres single-row autocommit inserts, ${clients} client(s): ${r.commitsPerSecond} commits/s`);
        } catch (err) {
          // e.g. "too many clients": the server's connections are shared with everyone on the machine.
          log(`ceiling: Postgres with ${clients} client(s) failed: ${(err as Error).message}`);
        }
      }
      pgPrimary = pgRuns.find((r) => r.clients === 4) ?? pgRuns[pgRuns.length - 1] ?? null;
      try {
        rabbit = await rabbitCeiling(process.env.TEST_AMQP_URL as string, platform.namespace, config.ceilingSeconds);
        log(`ceiling: RabbitMQ persistent confirmed publishes to a quorum queue: ${rabbit.confirmedPublishPerSecond} msg/s`);
      } catch (err) {
        log(`ceiling: RabbitMQ failed: ${(err as Error).message}`);
      }
    }
    const pgCeiling = pgPrimary?.commitsPerSecond ?? null;
    const rabbitCeilingRate = rabbit?.confirmedPublishPerSecond ?? null;
    results.ceilings = { postgres: { primaryClients: pgPrimary?.clients ?? null, runs: pgRuns }, rabbitmq: rabbit };

    // Postgres CPU is split: the backends serving the bench database, and every other postgres
    // process (WAL writer, checkpointer, other databases' backends — others share this server).
    const backends = new Set<number>();
    const pgStats = new Client({ connectionString: platform.db.url, application_name: 'bench-backends' });
    pgStats.on('error', () => undefined);
    await pgStats.connect();
    const refreshBackends = async () => {
      const { rows } = await pgStats.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [platform.db.name]);
      backends.clear();
      for (const r of rows as Array<{ pid: number }>) backends.add(r.pid);
    };
    const backendTimer = setInterval(() => void refreshBackends().catch(() => undefined), 1000).unref();
    await refreshBackends();
    const cpuGroups: Record<string, () => number[]> = {
      ...Object.fromEntries(APPS.filter((a) => pids[a]).map((a) => [a, () => [pids[a] as number]])),
      postgres: () => [...backends],
      postgresOther: () => pidsByComm((c) => c === 'postgres').filter((p) => !backends.has(p)),
      rabbitmq: () => pidsByComm((c) => c === 'beam.smp'),
      bench: () => [process.pid],
    };

    // ---- a burst of registrations (scrypt; overload shedding, ADR 0017) ----
    if (phases.has('registration')) {
      results.registration = await registrationBurst(platform.urls.gateway, config.registrations);
    }

    // ---- lifecycles ----
    let pairs: Pair[] = [];
    const poolRecorder = new LatencyRecorder();
    const warmRecorder = new LatencyRecorder();
    const mainRecorder = new LatencyRecorder();
    let recorder = poolRecorder;
    // Every request through the client generated from the OpenAPI document; routes are recorded by
    // their document path (`POST /api/bookings/{id}/accept`).
    const api = createTutorhubClient({ baseUrl: platform.urls.gateway, onTiming: (route, ms, status) => recorder.record(route, ms, status) });
    const ctx: JourneyContext = { api, sandboxUrl: platform.urls['chapa-sandbox'], runId: newRunId() };
    // ---- the real gateway's CPU per request on two authenticated routes (issue 15) ----
    let gatewayRoute: GatewayRouteResult | null = null;
    if (phases.has('gateway-route')) {
      // Several callers: the gateway's per-user rate limiter keeps every hit of the last minute per
      // user and filters them on each request, so one user sending everything would mostly
      // measure that (docs/performance.md, "HTTP adapter").
      const callers = Math.max(1, int('BENCH_GATEWAY_ROUTE_USERS', config.httpAdapter.concurrency));
      log(`gateway-route: registering ${callers} students (scrypt, a few at a time) …`);
      const students = await pool(callers, 8, (i) => register(ctx, 'student', `Gateway Route ${i}`));
      const gatewayPid = pids.gateway;
      if (!gatewayPid) throw new Error('gateway-route: the gateway process was not found');
      await refreshBackends();
      gatewayRoute = await runGatewayRoutePhase(
        Number(new URL(platform.urls.gateway).port),
        students.map((st) => st.token),
        {
          gatewayMs: () => cpuSeconds(gatewayPid) * 1000,
          bookingsMs: () => (pids.bookings ? cpuSeconds(pids.bookings) * 1000 : NaN),
          postgresPids: () => [...backends],
        },
        { ...config.httpAdapter, log },
      );
      results.gatewayRoute = gatewayRoute;
    }

    let lifecyclesPerSecond: number | null = null;
    let eventLag: ReturnType<typeof histogramReport> | null = null;
    let httpAll: ReturnType<typeof summarize> | null = null;

    if (phases.has('lifecycles') || phases.has('backlog')) {
      const n = config.concurrency;
      log(`registering ${2 * n} users (${n} tutors, ${n} students; scrypt) and ${n} tutor profiles …`);
      const reg = await registerPairs(ctx, n, n, ctx.runId as string);
      pairs = reg.pairs;
      results.pool = {
        users: 2 * n,
        registerSeconds: r3(reg.registerSeconds),
        registrationsPerSecond: r1((2 * n) / reg.registerSeconds),
        profileSeconds: r3(reg.profileSeconds),
        http: poolRecorder.summary().routes,
      };
      log(`registered ${2 * n} users in ${reg.registerSeconds.toFixed(1)} s (${((2 * n) / reg.registerSeconds).toFixed(1)}/s), profiles in ${reg.profileSeconds.toFixed(1)} s`);
    }

    if (phases.has('lifecycles') && config.lifecycles > 0) {
      if (config.warmupLifecycles > 0) {
        recorder = warmRecorder;
        log(`warm-up: ${config.warmupLifecycles} lifecycles (not counted) …`);
        const w = await runLifecycles({ ctx, pairs, total: config.warmupLifecycles, pollMs: config.pollMs });
        log(`warm-up done: ${w.stats.done} ok, ${w.stats.failed} failed in ${w.seconds.toFixed(1)} s`);
        await sleep(2000);
      }
      recorder = mainRecorder;
      const before = await scrapeAll(platform);
      const commitsBefore = await xactCommits(pgStats, platform.db.name);
      const cpu = new CpuMeter(cpuGroups);
      cpu.start();
      log(`lifecycles: ${config.lifecycles} with ${pairs.length} concurrent tutor/student pairs …`);
      let lastDone = 0;
      let lastMark = mainRecorder.mark();
      let state = { done: 0, failed: 0, inFlight: 0 };
      const tStart = performance.now();
      const ticker = setInterval(() => {
        cpu.sample();
        const recent = mainRecorder.since(lastMark).sort((a, b) => a - b);
        lastMark = mainRecorder.mark();
        const s = summarize(recent);
        const elapsed = (performance.now() - tStart) / 1000;
        log(
          `  ${String(state.done).padStart(5)}/${config.lifecycles} done, ${state.failed} failed, ${state.inFlight} in flight | ` +
            `${state.done - lastDone}/s now, ${(state.done / elapsed).toFixed(1)}/s avg | http ${s.count} req/s p50 ${s.p50Ms ?? '-'} ms p99 ${s.p99Ms ?? '-'} ms`,
        );
        lastDone = state.done;
      }, 1000);
      const run = await runLifecycles({ ctx, pairs, total: config.lifecycles, pollMs: config.pollMs, onTick: (s) => (state = s) }).finally(() => clearInterval(ticker));
      const cpuUse = cpu.stop();
      // Let the last events of the last lessons be handled before reading the lag histograms.
      await sleep(2000);
      const after = await scrapeAll(platform);
      const commitsAfter = await xactCommits(pgStats, platform.db.name);
      lifecyclesPerSecond = run.stats.done / run.seconds;
      eventLag = histogramReport(before, after, 'event_lag_seconds');
      const http = mainRecorder.summary();
      httpAll = http.all;
      const commits = commitsAfter - commitsBefore;
      const published = counterDelta(before, after, 'outbox_published_total');
      const rpcServer = histogramReport(before, after, 'rpc_server_seconds');
      const eventHandle = histogramReport(before, after, 'event_handle_seconds');
      results.lifecycles = {
        requested: config.lifecycles,
        concurrency: pairs.length,
        done: run.stats.done,
        failed: run.stats.failed,
        seconds: r3(run.seconds),
        lifecyclesPerSecond: r1(lifecyclesPerSecond),
        lifecycleMs: summarize(run.stats.durationsMs),
        stepsMs: stepSummary(run.stats),
        eventualConsistencyRetries: run.stats.retries,
        errors: run.stats.errors,
        http: { all: http.all, routes: http.routes, requestsPerLifecycle: r1(http.all.count / Math.max(1, run.stats.done)) },
        eventLag,
        rpcServer,
        eventHandle,
        postgres: {
          commits,
          commitsPerSecond: r1(commits / run.seconds),
          commitsPerLifecycle: r1(commits / Math.max(1, run.stats.done)),
          ratioOfCeiling: pgCeiling ? r3(commits / run.seconds / pgCeiling) : null,
        },
        rabbitmq: {
          eventsPublished: published.total,
          perService: published.perService,
          publishesPerSecond: r1(published.total / run.seconds),
          eventsPerLifecycle: r1(published.total / Math.max(1, run.stats.done)),
          ratioOfCeiling: rabbitCeilingRate ? r3(published.total / run.seconds / rabbitCeilingRate) : null,
        },
        cpuCores: cpuUse,
        cpuMsPerLifecycle: Object.fromEntries(
          Object.entries(cpuUse)
            .filter(([k]) => k !== 'machineBusyFraction')
            .map(([k, v]) => [k, r1((v * run.seconds * 1000) / Math.max(1, run.stats.done))]),
        ),
        loadAverageAfter: machineInfo().loadAverageAtStart,
      };
      log(
        `lifecycles: ${run.stats.done} done, ${run.stats.failed} failed in ${run.seconds.toFixed(1)} s = ${lifecyclesPerSecond.toFixed(1)}/s; ` +
          `http p50 ${http.all.p50Ms} ms p99 ${http.all.p99Ms} ms; event lag p99 ${eventLag.p99Ms} ms; ` +
          `${(commits / run.seconds).toFixed(0)} commits/s, ${(published.total / run.seconds).toFixed(0)} events/s; cpu ${JSON.stringify(cpuUse)}`,
      );
      if (run.stats.errors.length) log(`first errors:\n  ${run.stats.errors.slice(0, 5).join('\n  ')}`);
    }

    // ---- open loop ----
    const gatewayApi = createTutorhubClient({ baseUrl: platform.urls.gateway });
    if (phases.has('openloop')) {
      const ol = config.openLoop;
      const olPairs = pairs.slice(0, ol.pairs);
      if (olPairs.length < ol.pairs) {
        const need = ol.pairs - olPairs.length;
        recorder = poolRecorder;
        log(`open loop: registering ${2 * need} more users (${need} pairs; scrypt) …`);
        const reg = await registerPairs(ctx, need, 50, `${ctx.runId}-ol`);
        olPairs.push(...reg.pairs);
        log(`open loop: registered in ${reg.registerSeconds.toFixed(1)} s, profiles in ${reg.profileSeconds.toFixed(1)} s`);
      }
      const runs: Array<Record<string, unknown>> = [];
      for (const rate of ol.rates) {
        const rec = new DueRecorder();
        const cpu = new CpuMeter(cpuGroups);
        let beforeReading: Promise<Record<string, Sample[]>> | null = null;
        let state = { arrived: 0, done: 0, failed: 0, inFlight: 0, waitingForPair: 0 };
        let lastMark = rec.mark();
        log(`open loop: ${rate} lessons/s for ${ol.seconds} s after ${ol.warmupSeconds} s of warm-up, ${olPairs.length} pairs …`);
        const ticker = setInterval(() => {
          cpu.sample();
          const s = summarize(rec.since(lastMark));
          lastMark = rec.mark();
          log(
            `  ${String(state.arrived).padStart(5)} arrived, ${state.done} done, ${state.failed} failed, ${state.inFlight} in flight, ${state.waitingForPair} waiting for a pair | ` +
              `http ${s.count} req/s from due p50 ${s.p50Ms ?? '-'} ms p99 ${s.p99Ms ?? '-'} ms`,
          );
        }, 1000);
        const run = await runOpenLoop({
          api: gatewayApi,
          sandboxUrl: platform.urls['chapa-sandbox'],
          pairs: olPairs,
          rate,
          warmupSeconds: ol.warmupSeconds,
          seconds: ol.seconds,
          pollMs: config.pollMs,
          recorder: rec,
          onMeasureStart: () => {
            beforeReading = scrapeAll(platform);
            cpu.start();
          },
          onTick: (s) => (state = s),
        }).finally(() => clearInterval(ticker));
        const cpuUse = cpu.stop();
        await sleep(2000);
        const before = await (beforeReading as Promise<Record<string, Sample[]>> | null);
        const after = await scrapeAll(platform);
        const lag = before ? histogramReport(before, after, 'event_lag_seconds') : null;
        const http = rec.summary(isGatewayRoute);
        const holds = http.all.p99Ms !== null && http.all.p99Ms <= GOALS.httpP99Ms && lag?.p99Ms !== null && lag?.p99Ms !== undefined && lag.p99Ms <= GOALS.eventLagP99Ms && run.failed === 0;
        runs.push({
          ...run,
          offeredPerSecond: rate,
          achievedPerSecond: r1(run.achievedPerSecond),
          drainSeconds: r3(run.drainSeconds),
          benchEventLoopDelayMs: { p50: r1(run.benchEventLoopDelayMs.p50), p99: r1(run.benchEventLoopDelayMs.p99), max: r1(run.benchEventLoopDelayMs.max) },
          holdsTargets: holds,
          httpP50Ms: http.all.p50Ms,
          httpP99Ms: http.all.p99Ms,
          eventLagP50Ms: lag?.p50Ms ?? null,
          eventLagP99Ms: lag?.p99Ms ?? null,
          http,
          failuresByRouteStatusCode: rec.failuresByKey(),
          eventLag: lag,
          cpuCores: cpuUse,
          loadAverageAfter: machineInfo().loadAverageAtStart,
        });
        log(
          `open loop ${rate}/s: achieved ${run.achievedPerSecond.toFixed(1)}/s, ${run.done} done, ${run.failed} failed; http from due p50 ${http.all.p50Ms} ms p99 ${http.all.p99Ms} ms ` +
            `(from send p99 ${http.all.fromSendP99Ms} ms); event lag p50 ${lag?.p50Ms} ms p99 ${lag?.p99Ms} ms; in flight ≤ ${run.maxInFlight}, ≤ ${run.maxRunning} of ${run.pairs} pairs busy` +
            `${run.pairWaits ? `, ${run.pairWaits} arrivals waited for a pair` : ''}; outside load ${cpuUse.otherProcesses} cores; targets ${holds ? 'held' : 'not held'}`,
        );
        if (run.errors.length) log(`first errors:\n  ${run.errors.slice(0, 5).join('\n  ')}`);
      }
      const holding = runs.filter((r) => r.holdsTargets).map((r) => r.offeredPerSecond as number);
      results.openLoop = {
        method:
          'lessons arrive at a fixed rate (lesson i at t0 + i/rate), whatever the answers; each request is timed from when it was due: the first of a lesson at its arrival, each next one at the previous answer plus any deliberate wait (poll interval, Retry-After); http covers the gateway routes (the Chapa sandbox is listed per route but not in the totals)',
        targets: { httpP99Ms: GOALS.httpP99Ms, eventLagP99Ms: GOALS.eventLagP99Ms, alsoRequires: 'no failed lesson' },
        highestRateHoldingTargets: holding.length ? Math.max(...holding) : null,
        pairs: olPairs.length,
        seconds: ol.seconds,
        warmupSeconds: ol.warmupSeconds,
        runs,
      };
    }

    // ---- top-of-the-hour burst ----
    if (phases.has('burst') && config.burst.lessons > 0) {
      const b = config.burst;
      recorder = poolRecorder;
      log(`burst: registering ${2 * b.lessons} users (${b.lessons} tutor/student pairs, one lesson each; scrypt) …`);
      const regRecorder = new LatencyRecorder();
      recorder = regRecorder;
      const regTicker = setInterval(() => log(`  ${regRecorder.count} requests answered (registrations, then profiles)`), 10_000);
      const reg = await registerPairs(ctx, b.lessons, b.seedConcurrency, `${ctx.runId}-burst`).finally(() => clearInterval(regTicker));
      log(`burst: registered in ${reg.registerSeconds.toFixed(1)} s, profiles in ${reg.profileSeconds.toFixed(1)} s`);
      // Every lesson starts at the same instant: the top of the minute at least leadSeconds away,
      // so seeding and draining are done before it.
      const startsAtMs = Math.ceil((Date.now() + b.leadSeconds * 1000) / 60_000) * 60_000;
      const startsAt = new Date(startsAtMs);
      const seedRecorder = new LatencyRecorder();
      recorder = seedRecorder;
      const seedTicker = setInterval(() => log(`  ${seedRecorder.count} requests answered`), 10_000);
      log(`burst: seeding ${b.lessons} confirmed lessons starting at ${startsAt.toISOString()} through the API (book, accept, pay, confirmed; ${b.seedConcurrency} at a time) …`);
      const seeded = await seedConfirmedLessons(ctx, reg.pairs, startsAt, b.seedConcurrency, config.pollMs).finally(() => clearInterval(seedTicker));
      log(`burst: ${seeded.lessons.length} confirmed, ${seeded.failed} failed in ${seeded.seconds.toFixed(1)} s; waiting for every event to be consumed …`);
      if (seeded.errors.length) log(`first seeding errors:\n  ${seeded.errors.slice(0, 5).join('\n  ')}`);
      const tDrain = performance.now();
      const seedDrain = await waitForDrain(platform, pgStats, config.drainTimeoutSeconds * 1000, (m) => log(`  ${m}`));
      log(`burst: events ${seedDrain.drained ? 'drained' : 'NOT drained'} in ${((performance.now() - tDrain) / 1000).toFixed(1)} s`);
      const untilStart = startsAtMs - Date.now();
      if (untilStart > 0) log(`burst: waiting ${(untilStart / 1000).toFixed(1)} s for the lessons' start …`);
      else log(`burst: WARNING the lessons started ${(-untilStart / 1000).toFixed(1)} s ago (seeding took longer than BENCH_BURST_LEAD_SECONDS=${b.leadSeconds}); firing now`);
      // The start instant on the monotonic clock the chains use.
      const at = performance.now() + Math.max(0, untilStart);
      await sleep(Math.max(0, untilStart - 2000));
      const before = await scrapeAll(platform);
      const cpu = new CpuMeter(cpuGroups);
      cpu.start();
      const rec = new DueRecorder();
      let lastMark = rec.mark();
      const ticker = setInterval(() => {
        cpu.sample();
        const s = summarize(rec.since(lastMark));
        lastMark = rec.mark();
        log(`  burst: ${rec.count} requests answered | ${s.count} in the last second, from due p50 ${s.p50Ms ?? '-'} ms p99 ${s.p99Ms ?? '-'} ms`);
      }, 1000);
      log(`burst: ${seeded.lessons.length} lessons × (status, start/join, status) for both parties, spread over ${b.spreadSeconds} s, ≤ ${b.clientConcurrency || '∞'} requests in flight …`);
      const run = await runBurst({ api: gatewayApi, lessons: seeded.lessons, at, spreadSeconds: b.spreadSeconds, clientConcurrency: b.clientConcurrency, recorder: rec }).finally(() => clearInterval(ticker));
      const cpuUse = cpu.stop();
      log(`burst: ${run.done} lessons done, ${run.failed} failed in ${run.seconds.toFixed(1)} s; waiting for the burst's events to be consumed …`);
      const drain = await waitForDrain(platform, pgStats, config.drainTimeoutSeconds * 1000, (m) => log(`  ${m}`));
      const after = await scrapeAll(platform);
      const lag = histogramReport(before, after, 'event_lag_seconds');
      const http = rec.summary();
      const verification = await verifyBurst(pgStats, seeded.lessons.map((l) => l.bookingId));
      const route = (r: string) => http.routes[r] ?? null;
      results.burst = {
        method:
          'N confirmed lessons (seeded through the API before the clock) start at the same instant; at that instant (or spread over BENCH_BURST_SPREAD_S) both parties call status, the tutor starts, the student joins once the start has answered, both call status again; each request timed from when it was due (first: the lesson start; next: the previous answer of that party)',
        lessons: b.lessons,
        seeded: seeded.lessons.length,
        seedFailed: seeded.failed,
        seedErrors: seeded.errors,
        registerSeconds: r3(reg.registerSeconds),
        registrationHttp: regRecorder.summary().routes,
        seedSeconds: r3(seeded.seconds),
        seedHttp: seedRecorder.summary().all,
        seedDrained: seedDrain.drained,
        startsAt: startsAt.toISOString(),
        spreadSeconds: b.spreadSeconds,
        clientConcurrency: b.clientConcurrency,
        firedLateByMs: r1(run.firedLateByMs),
        done: run.done,
        failed: run.failed,
        seconds: r3(run.seconds),
        lessonMsFromDue: run.lessonMsFromDue,
        status: route('GET /api/sessions/{bookingId}/status'),
        start: route('POST /api/sessions/{bookingId}/start'),
        join: route('POST /api/sessions/{bookingId}/join'),
        http,
        failuresByRouteStatusCode: rec.failuresByKey(),
        eventualConsistencyRetries: run.eventualConsistencyRetries,
        errors: run.errors,
        eventLag: lag,
        downstream: drain,
        verification,
        cpuCores: cpuUse,
        loadAverageAfter: machineInfo().loadAverageAtStart,
      };
      log(
        `burst: start p50 ${route('POST /api/sessions/{bookingId}/start')?.p50Ms} p99 ${route('POST /api/sessions/{bookingId}/start')?.p99Ms} ms, ` +
          `join p50 ${route('POST /api/sessions/{bookingId}/join')?.p50Ms} p99 ${route('POST /api/sessions/{bookingId}/join')?.p99Ms} ms, ` +
          `status p99 ${route('GET /api/sessions/{bookingId}/status')?.p99Ms} ms; event lag p99 ${lag.p99Ms} ms; outside load ${cpuUse.otherProcesses} cores; verification ${verification.ok ? 'OK' : 'FAILED'} ${JSON.stringify(verification)}`,
      );
      if (run.errors.length) log(`first errors:\n  ${run.errors.slice(0, 5).join('\n  ')}`);
    }

    // ---- release backlog ----
    let releasesPerSecond: number | null = null;
    let backlogSeconds: number | null = null;
    if (phases.has('backlog') && config.backlog > 0) {
      const tutorIds = [...pairs.map((p) => p.tutor.id), ...syntheticTutors(Math.max(0, config.backlogTutors - pairs.length))];
      const releasedCount = async () => counterSum(await scrape(platform.urls.payments), 'payments_escrows_released_total');
      const baseline = await releasedCount();
      log(`backlog: writing ${config.backlog} due escrows (${tutorIds.length} tutors) into the payments schema in one transaction …`);
      const seeded = await seedDueEscrows(platform.db.url, { n: config.backlog, tutorIds, sandboxUrl: platform.urls['chapa-sandbox'] });
      const tDue = performance.now();
      log(`backlog: ${config.backlog} escrows due as of the commit (written in ${seeded.seconds.toFixed(1)} s); the release job (every second, batch ${config.releaseBatchSize}) drains them …`);
      const cpu = new CpuMeter(cpuGroups);
      cpu.start();
      // From due to drained: what the release and everything downstream of it cost each process.
      const cpuWhole = new CpuMeter(cpuGroups);
      cpuWhole.start();
      let firstAt: number | null = null;
      let lastLog = tDue;
      let released = 0;
      const timeline: Array<[number, number]> = [];
      const deadline = tDue + 600_000;
      while (released < config.backlog && performance.now() < deadline) {
        await sleep(100);
        released = (await releasedCount()) - baseline;
        const now = performance.now();
        if (released > 0 && firstAt === null) firstAt = now;
        if (now - lastLog >= 1000) {
          cpu.sample();
          cpuWhole.sample();
          timeline.push([r1((now - tDue) / 1000) as number, released]);
          log(`  ${String(released).padStart(6)}/${config.backlog} released after ${((now - tDue) / 1000).toFixed(1)} s`);
          lastLog = now;
        }
      }
      const tDone = performance.now();
      const cpuUse = cpu.stop();
      backlogSeconds = (tDone - tDue) / 1000;
      releasesPerSecond = released / backlogSeconds;
      const activeSeconds = firstAt === null ? null : (tDone - firstAt) / 1000;
      log(`backlog: ${released} released in ${backlogSeconds.toFixed(2)} s from due (${releasesPerSecond.toFixed(0)}/s; ${activeSeconds?.toFixed(2)} s from the first release)`);

      // What the release causes downstream: the payments relay publishes one event per escrow,
      // bookings and notifications consume them, notifications emits notification.created.
      log('backlog: waiting for the released events to be published and consumed …');
      const tDrain = performance.now();
      const drain = await waitForDrain(platform, pgStats, config.drainTimeoutSeconds * 1000, (m) => log(`  ${m}`), () => cpuWhole.sample(), ['bookings', 'notifications']);
      const drainSeconds = (performance.now() - tDrain) / 1000;
      const wholeSeconds = (performance.now() - tDue) / 1000;
      const wholeCores = cpuWhole.stop();
      // CPU seconds from due to drained, and per released escrow: less sensitive to the load than times.
      const cpuMsPerEscrow = Object.fromEntries(
        Object.entries(wholeCores)
          .filter(([k]) => k !== 'machineBusyFraction')
          .map(([k, cores]) => [k, r3((cores * wholeSeconds * 1000) / Math.max(1, released))]),
      );
      log(`backlog: events ${drain.drained ? 'drained' : 'NOT drained'} ${drainSeconds.toFixed(1)} s after the last release (${(backlogSeconds + drainSeconds).toFixed(1)} s after due)`);
      log(`backlog: consumers ${JSON.stringify(drain.consumers)}`);
      log(`backlog: CPU ms per escrow from due to drained ${JSON.stringify(cpuMsPerEscrow)} (cores ${JSON.stringify(wholeCores)})`);

      log('backlog: verifying every escrow was released exactly once and the ledger is exact …');
      const verification = await verifyBacklog(platform.db.url, config.platformFeeBps);
      log(`backlog: verification ${verification.ok ? 'OK' : 'FAILED'} ${JSON.stringify(verification)}`);
      results.backlog = {
        escrows: config.backlog,
        tutors: tutorIds.length,
        batchSize: config.releaseBatchSize,
        seedSeconds: r3(seeded.seconds),
        released,
        secondsFromDue: r3(backlogSeconds),
        secondsFromFirstRelease: r3(activeSeconds),
        releasesPerSecond: r1(releasesPerSecond),
        releasesPerSecondFromFirstRelease: activeSeconds ? r1(released / activeSeconds) : null,
        ratioOfPostgresCeiling: pgCeiling ? r3(releasesPerSecond / pgCeiling) : null,
        releasedEventsRatioOfRabbitCeiling: rabbitCeilingRate ? r3(releasesPerSecond / rabbitCeilingRate) : null,
        timeline,
        cpuCores: cpuUse,
        downstream: { ...drain, secondsAfterLastRelease: r1(drainSeconds) },
        fromDueToDrained: { seconds: r3(wholeSeconds), cpuCores: wholeCores, cpuMsPerEscrow },
        verification,
      };
    }

    clearInterval(backendTimer);
    await pgStats.end().catch(() => undefined);

    // ---- summary ----
    const lcCpu = results.lifecycles as { cpuMsPerLifecycle?: Record<string, number> } | undefined;
    const cpuMs = lcCpu?.cpuMsPerLifecycle ? platformCpuMs(lcCpu.cpuMsPerLifecycle) : null;
    const bl = results.backlog as { downstream?: { drained?: boolean; secondsAfterLastRelease?: number | null } } | undefined;
    const drainAfter = bl?.downstream ? (bl.downstream.drained ? (bl.downstream.secondsAfterLastRelease ?? null) : Infinity) : null;
    const idleOk = Object.values(idleMemory).every((m) => (m.rssMb ?? Infinity) <= GOALS.idleRssMb);
    const goals = [
      { goal: `>= ${GOALS.lifecyclesPerSecond} full lifecycles/s`, measured: r1(lifecyclesPerSecond), met: lifecyclesPerSecond !== null && lifecyclesPerSecond >= GOALS.lifecyclesPerSecond },
      { goal: `HTTP p99 <= ${GOALS.httpP99Ms} ms at that load`, measured: httpAll?.p99Ms ?? null, met: httpAll?.p99Ms !== null && httpAll?.p99Ms !== undefined && httpAll.p99Ms <= GOALS.httpP99Ms },
      { goal: `event lag p99 <= ${GOALS.eventLagP99Ms} ms`, measured: eventLag?.p99Ms ?? null, met: eventLag?.p99Ms !== null && eventLag?.p99Ms !== undefined && eventLag.p99Ms <= GOALS.eventLagP99Ms },
      {
        goal: `platform CPU per lifecycle <= ${GOALS.platformCpuMsPerLifecycle} ms`,
        measured: cpuMs === null ? null : round(cpuMs, 1),
        met: cpuMs !== null && cpuMs <= GOALS.platformCpuMsPerLifecycle,
      },
      { goal: `${config.backlog} due escrows released in <= ${GOALS.backlogSeconds} s`, measured: r1(backlogSeconds), met: backlogSeconds !== null && backlogSeconds <= GOALS.backlogSeconds },
      { goal: `backlog's events consumed <= ${GOALS.drainSeconds} s after`, measured: r1(drainAfter), met: drainAfter !== null && drainAfter <= GOALS.drainSeconds },
      { goal: `each app's idle RSS <= ${GOALS.idleRssMb} MB`, measured: idleMax, met: idleOk },
    ];
    const openLoop = results.openLoop as
      | { highestRateHoldingTargets: number | null; runs: Array<{ offeredPerSecond: number; achievedPerSecond: number | null; done: number; failed: number; httpP50Ms: number | null; httpP99Ms: number | null; eventLagP50Ms: number | null; eventLagP99Ms: number | null; maxInFlight: number; pairs: number; pairWaits: number; holdsTargets: boolean; cpuCores: Record<string, number> }> }
      | undefined;
    if (openLoop) {
      const best = openLoop.highestRateHoldingTargets;
      goals.push({ goal: `open loop holds HTTP p99 <= ${GOALS.httpP99Ms} ms, lag p99 <= ${GOALS.eventLagP99Ms} ms at >= ${GOALS.openLoopRate}/s`, measured: best, met: best !== null && best >= GOALS.openLoopRate });
    }
    type RouteFigures = { p50Ms: number | null; p99Ms: number | null; count: number } | null;
    const burst = results.burst as { lessons: number; seeded: number; done: number; failed: number; seconds: number | null; status: RouteFigures; start: RouteFigures; join: RouteFigures; eventLag: { p50Ms: number | null; p99Ms: number | null }; failuresByRouteStatusCode: Record<string, number>; cpuCores: Record<string, number>; firedLateByMs: number | null; verification: { ok: boolean } } | undefined;
    if (burst) {
      for (const r of ['start', 'join'] as const) {
        const p99 = burst[r]?.p99Ms ?? null;
        goals.push({ goal: `burst of ${burst.lessons}: ${r} p99 <= ${GOALS.burstP99Ms} ms`, measured: p99, met: p99 !== null && p99 <= GOALS.burstP99Ms });
      }
    }
    const http = (results.lifecycles as { http?: { routes: Record<string, { p50Ms: number | null; p99Ms: number | null }> } } | undefined)?.http;
    const out = {
      benchVersion: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      config: { ...config, appOverrides, platformStartSeconds: r1(platformStartSeconds), database: platform.db.name, namespace: platform.namespace },
      // Headline figures (details below).
      lifecyclesPerSecond: r1(lifecyclesPerSecond),
      httpP50Ms: httpAll?.p50Ms ?? null,
      httpP99Ms: httpAll?.p99Ms ?? null,
      http: http ? Object.fromEntries(Object.entries(http.routes).map(([route, s]) => [route, { p50Ms: s.p50Ms, p99Ms: s.p99Ms }])) : {},
      eventLagP99Ms: eventLag?.p99Ms ?? null,
      highestRateHoldingTargets: openLoop?.highestRateHoldingTargets ?? null,
      eventLagMethod: 'event_lag_seconds histograms of every service (envelope occurredAt, set at outbox write, to the consumer transaction committing), bucket deltas over the lifecycle phase summed across services, p99 by linear interpolation inside the bucket',
      releasesPerSecond: r1(releasesPerSecond),
      postgresCommitsPerSecond: pgCeiling,
      rabbitConfirmedPublishPerSecond: rabbitCeilingRate,
      ratios: {
        lifecyclePostgresCommitsOfCeiling: (results.lifecycles as { postgres?: { ratioOfCeiling: number | null } } | undefined)?.postgres?.ratioOfCeiling ?? null,
        lifecycleEventPublishesOfRabbitCeiling: (results.lifecycles as { rabbitmq?: { ratioOfCeiling: number | null } } | undefined)?.rabbitmq?.ratioOfCeiling ?? null,
        releasesOfPostgresCommitCeiling: (results.backlog as { ratioOfPostgresCeiling?: number | null } | undefined)?.ratioOfPostgresCeiling ?? null,
        releasedEventsOfRabbitCeiling: (results.backlog as { releasedEventsRatioOfRabbitCeiling?: number | null } | undefined)?.releasedEventsRatioOfRabbitCeiling ?? null,
      },
      idleMemory,
      goals,
      ...results,
      ...(httpAdapter ? { httpAdapter } : {}),
    };
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);

    process.stdout.write('\n==== tutorhub bench summary ====\n');
    process.stdout.write(`machine: ${machine.cpus} cores, ${machine.memoryGiB} GiB, node ${machine.node}\n`);
    process.stdout.write(`ceilings: Postgres ${pgCeiling ?? '-'} commits/s (${pgPrimary?.clients ?? '-'} clients), RabbitMQ ${rabbitCeilingRate ?? '-'} confirmed publishes/s\n`);
    const lc = results.lifecycles as { cpuCores?: Record<string, number>; cpuMsPerLifecycle?: Record<string, number> } | undefined;
    if (lc?.cpuCores) {
      const own = platformCpuMs(lc.cpuMsPerLifecycle);
      process.stdout.write(
        `lifecycle phase: machine ${Math.round((lc.cpuCores.machineBusyFraction ?? 0) * 100)} % busy; processes outside the bench used ${lc.cpuCores.otherProcesses} cores; ` +
          `the platform (apps + its Postgres backends + RabbitMQ) spent ${round(own, 1)} ms CPU per lifecycle\n`,
      );
    }
    for (const g of goals) process.stdout.write(`${g.met ? 'MET    ' : 'NOT MET'}  ${g.goal.padEnd(44)} measured ${g.measured ?? '-'}\n`);
    if (http) {
      process.stdout.write('HTTP per route (lifecycle phase):\n');
      for (const [route, s] of Object.entries(http.routes)) process.stdout.write(`  ${route.padEnd(40)} p50 ${String(s.p50Ms).padStart(7)} ms  p99 ${String(s.p99Ms).padStart(7)} ms\n`);
    }
    if (openLoop) {
      process.stdout.write('open loop (latency from due; event lag from the /metrics histograms):\n');
      for (const r of openLoop.runs) {
        process.stdout.write(
          `  offered ${String(r.offeredPerSecond).padStart(5)}/s achieved ${String(r.achievedPerSecond).padStart(5)}/s  ${r.done} done ${r.failed} failed  ` +
            `http p50 ${r.httpP50Ms} p99 ${r.httpP99Ms} ms  lag p50 ${r.eventLagP50Ms} p99 ${r.eventLagP99Ms} ms  in flight ≤ ${r.maxInFlight} (pairs ${r.pairs})${r.pairWaits ? ` (${r.pairWaits} waited for a pair)` : ''}  ` +
            `outside load ${r.cpuCores.otherProcesses} cores  ${r.holdsTargets ? 'holds' : 'does not hold'} the targets\n`,
        );
      }
      process.stdout.write(`  highest rate holding both targets: ${openLoop.highestRateHoldingTargets ?? 'none of those tried'}\n`);
    }
    if (burst) {
      process.stdout.write(
        `burst: ${burst.seeded}/${burst.lessons} lessons seeded, ${burst.done} done, ${burst.failed} failed in ${burst.seconds} s (fired ${burst.firedLateByMs} ms after the start); outside load ${burst.cpuCores.otherProcesses} cores; verification ${burst.verification.ok ? 'OK' : 'FAILED'}\n`,
      );
      for (const r of ['status', 'start', 'join'] as const) {
        const f = burst[r];
        process.stdout.write(`  ${r.padEnd(7)} ${String(f?.count ?? 0).padStart(6)} requests  p50 ${String(f?.p50Ms ?? '-').padStart(7)} ms  p99 ${String(f?.p99Ms ?? '-').padStart(7)} ms (from due)\n`);
      }
      process.stdout.write(`  event lag p50 ${burst.eventLag.p50Ms} ms p99 ${burst.eventLag.p99Ms} ms; failures ${JSON.stringify(burst.failuresByRouteStatusCode)}\n`);
    }
    if (httpAdapter) process.stdout.write(httpAdapterSummary(httpAdapter));
    if (gatewayRoute) process.stdout.write(gatewayRouteSummary(gatewayRoute));
    process.stdout.write(`written: bench/results/latest.json\n`);
  } catch (err) {
    // Say what went wrong before stopping the platform, which can itself fail noisily.
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    throw err;
  } finally {
    await stop();
  }
}

/**
 * Waits until the payments and notifications outboxes are published and every events queue is
 * empty. For each of `consumers`: when its queue was first seen empty with nothing left
 * unpublished (seconds from the call), and the events it took (handled or duplicate) per second
 * until then, from its `events_consumed_total`.
 */
async function waitForDrain(
  platform: Platform,
  db: Client,
  timeoutMs: number,
  progress: (m: string) => void,
  tick: () => void = () => undefined,
  consumers: Array<(typeof SERVICES)[number]> = [],
) {
  // `db` is the bench's open connection: the shared server may have none left to give a new one.
  const conn = await connect(process.env.TEST_AMQP_URL as string);
  // A missing queue closes the channel that asked (404): one short-lived channel per check.
  const depth = async (queue: string): Promise<number | null> => {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } catch {
      return null;
    } finally {
      await ch.close().catch(() => undefined);
    }
  };
  const taken = async (s: (typeof SERVICES)[number]) =>
    counterSum(await scrape(platform.urls[s]), 'events_consumed_total', (l) => l.outcome === 'handled' || l.outcome === 'duplicate');
  const t0 = performance.now();
  const takenAtStart = Object.fromEntries(await Promise.all(consumers.map(async (s) => [s, await taken(s)] as const)));
  const consumerReport: Record<string, { emptyAfterSeconds: number; events: number; eventsPerSecond: number }> = {};
  const deadline = performance.now() + timeoutMs;
  let last = { outbox: {} as Record<string, number>, queues: {} as Record<string, number> };
  let calm = 0;
  let lastLog = 0;
  try {
    while (performance.now() < deadline) {
      tick();
      const outbox: Record<string, number> = {};
      for (const s of SERVICES) {
        const schema = s === 'gateway' ? 'identity' : s;
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE published_at IS NULL`);
        outbox[s] = rows[0].n;
      }
      const queues: Record<string, number> = {};
      for (const s of SERVICES) {
        const n = await depth(`${platform.namespace}.${s}.events`);
        if (n !== null) queues[s] = n;
      }
      last = { outbox, queues };
      const unpublished = Object.values(outbox).reduce((a, b) => a + b, 0);
      for (const s of consumers) {
        if (consumerReport[s] || unpublished > 0 || queues[s] !== 0) continue;
        const seconds = (performance.now() - t0) / 1000;
        const events = (await taken(s)) - takenAtStart[s];
        consumerReport[s] = { emptyAfterSeconds: r1(seconds) as number, events, eventsPerSecond: r1(events / seconds) as number };
      }
      const pending = [...Object.values(outbox), ...Object.values(queues)].reduce((a, b) => a + b, 0);
      if (performance.now() - lastLog > 2000) {
        progress(`unpublished ${JSON.stringify(outbox)}, queued ${JSON.stringify(queues)}`);
        lastLog = performance.now();
      }
      calm = pending === 0 ? calm + 1 : 0;
      // Ready counts exclude messages in a consumer's hands: require a few empty readings in a row.
      if (calm >= 3) return { drained: true, ...last, consumers: consumerReport };
      await sleep(500);
    }
    return { drained: false, ...last, consumers: consumerReport };
  } finally {
    await conn.close().catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
