import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import type { HttpAdapterName, HttpVariant, ServerMessage } from './http-adapter-server';
import { ROOT } from './platform';
import { cpuSeconds, machineInfo, round } from './proc';
import { percentile } from './stats';

/**
 * The bench's `http-adapter` phase (issue 15): what the gateway's HTTP adapter costs per
 * request, Express against Fastify, in the gateway's own stack, without the platform (no
 * Postgres, no RabbitMQ). Four servers, each its own process (http-adapter-server.ts): Express and
 * Fastify, each `bare` (Nest + adapter + routes) and `gateway` (the gateway's per-request
 * pieces). All four start first and stay up; then every round drives each server in turn
 * (the order rotating from round to round, so drifting machine load falls on all alike) with
 * the same closed loop: `concurrency` requests in flight on keep-alive connections, `requests`
 * of one route, then the other. Each server's CPU over a batch is read from the server itself
 * (process.cpuUsage over IPC), so the headline, CPU ms per request, does not depend on how fast
 * the (shared) machine let the client go.
 */
export interface HttpAdapterOptions {
  concurrency: number;
  /** Requests per route per round per server. */
  requests: number;
  rounds: number;
  /** Requests per route per server before the first round (JIT, caches; not counted). */
  warmup: number;
  log: (msg: string) => void;
}

type Key = `${HttpAdapterName}-${HttpVariant}`;
const SERVERS: Array<{ adapter: HttpAdapterName; variant: HttpVariant }> = [
  { adapter: 'express', variant: 'bare' },
  { adapter: 'fastify', variant: 'bare' },
  { adapter: 'express', variant: 'gateway' },
  { adapter: 'fastify', variant: 'gateway' },
];
const ROUTES = ['GET /api/bookings/:id', 'POST /api/bookings'] as const;
type Route = (typeof ROUTES)[number];

/** A `POST /api/bookings` body of ≈ 300 bytes that createBookingBody accepts. */
const POST_BODY = JSON.stringify({
  tutorId: '6f1c1a52-5b1e-4c1e-9a57-3d1f0b0f2a11',
  subject: 'mathematics',
  startsAt: '2026-12-08T10:00:00.000Z',
  durationMinutes: 60,
  note: 'Second-order linear differential equations, then the exercises of chapter 7; I would like to go through the two I got wrong last time before the exam on Friday.',
});

interface Server {
  key: Key;
  adapter: HttpAdapterName;
  variant: HttpVariant;
  child: ChildProcess;
  port: number;
  token: string;
}

interface Batch {
  seconds: number;
  requestsPerSecond: number;
  serverCpuMsPerRequest: number;
  clientCpuMsPerRequest: number;
  latenciesMs: number[];
  statuses: Record<string, number>;
}

/** The answer to the next `type` message from the child. */
/** Latency quantiles over every round's requests, and the answers' statuses summed. */
function pooled(rounds: ReadonlyArray<{ latenciesMs: number[]; statuses: Record<string, number> }>): { p50Ms: number; p99Ms: number; statuses: Record<string, number> } {
  const all = rounds.flatMap((b) => b.latenciesMs).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const b of rounds) for (const [st, n] of Object.entries(b.statuses)) statuses[st] = (statuses[st] ?? 0) + n;
  return { p50Ms: round(percentile(all, 50) ?? NaN, 2), p99Ms: round(percentile(all, 99) ?? NaN, 2), statuses };
}

function nextMessage<T extends ServerMessage['type']>(child: ChildProcess, type: T, timeoutMs = 60_000): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${type} from the server within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: ServerMessage) => m.type === type && done(null, m as Extract<ServerMessage, { type: T }>);
    const onExit = (code: number | null) => done(new Error(`the server exited (${code}) before ${type}`));
    function done(err: Error | null, m?: Extract<ServerMessage, { type: T }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m as Extract<ServerMessage, { type: T }>);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function serverCpuMs(server: Server): Promise<number> {
  const answer = nextMessage(server.child, 'cpu');
  server.child.send({ type: 'cpu' });
  const m = await answer;
  return (m.userMicros + m.systemMicros) / 1000;
}

const targetOf = (s: Server): Target => ({ port: s.port, token: s.token, cpuMs: () => serverCpuMs(s) });

async function startServer(adapter: HttpAdapterName, variant: HttpVariant): Promise<Server> {
  const { NODE_RUNTIME_FLAGS } = require(join(ROOT, 'tools', 'runtime-flags.cjs')) as { NODE_RUNTIME_FLAGS: string[] };
  // The apps' own V8 flags; stdout (the JSON log lines) to /dev/null, stderr shown.
  const child = fork(join(__dirname, 'http-adapter-server.js'), [], {
    execArgv: NODE_RUNTIME_FLAGS,
    env: { ...process.env, HTTP_ADAPTER: adapter, HTTP_VARIANT: variant, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await nextMessage(child, 'ready').catch((err: Error) => {
    child.kill();
    throw err;
  });
  return { key: `${adapter}-${variant}`, adapter, variant, child, port: ready.port, token: ready.token };
}

/** What one closed loop sends: a route of one server, and how to read that server's CPU so far (ms). */
interface Target {
  port: number;
  /** The bearer token ('' for none), or one per caller: the loop's worker w sends tokens[w % n]. */
  token: string | string[];
  cpuMs: () => Promise<number>;
}

const ROUTE_REQUESTS: Record<Route, { method: string; path: string; body?: string }> = {
  'GET /api/bookings/:id': { method: 'GET', path: '/api/bookings/2b0e0d38-8f6a-4b8e-9a61-0c2f4a9d7e13' },
  'POST /api/bookings': { method: 'POST', path: '/api/bookings', body: POST_BODY },
};

/** One request; resolves with its status, the response headers and its latency. */
function send(agent: Agent, target: { port: number; token: string }, r: { method: string; path: string; body?: string }): Promise<{ status: number; ms: number; headers: Record<string, unknown> }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (r.body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(r.body));
  }
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: target.port, method: r.method, path: r.path, headers, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** `total` requests of one route, `concurrency` at a time on keep-alive connections. */
async function closedLoop(target: Target, r: { method: string; path: string; body?: string }, total: number, concurrency: number): Promise<Batch> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let issued = 0;
  const cpu0 = await target.cpuMs();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const caller = { port: target.port, token: typeof target.token === 'string' ? target.token : target.token[w % target.token.length] };
      while (issued < total) {
        issued++;
        const res = await send(agent, caller, r);
        latenciesMs.push(res.ms);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  const cpu1 = await target.cpuMs();
  agent.destroy();
  return {
    seconds,
    requestsPerSecond: total / seconds,
    serverCpuMsPerRequest: (cpu1 - cpu0) / total,
    clientCpuMsPerRequest: (client.user + client.system) / 1000 / total,
    latenciesMs,
    statuses,
  };
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50) as number;

export async function runHttpAdapterPhase(o: HttpAdapterOptions) {
  const startedAt = new Date().toISOString();
  const loadBefore = machineInfo().loadAverageAtStart;
  o.log(`http-adapter: starting ${SERVERS.map((s) => `${s.adapter}/${s.variant}`).join(', ')} (one process each) …`);
  const servers: Server[] = [];
  try {
    for (const s of SERVERS) servers.push(await startServer(s.adapter, s.variant));

    // Same answers on both sides, or the comparison means nothing: the status and the security headers.
    const checks: Record<string, Record<string, unknown>> = {};
    for (const s of servers) {
      const agent = new Agent({ keepAlive: false });
      for (const route of ROUTES) {
        const r = await send(agent, s, ROUTE_REQUESTS[route]);
        checks[`${s.key} ${route}`] = { status: r.status, csp: r.headers['content-security-policy'] !== undefined, requestId: r.headers['x-request-id'] !== undefined };
        const want = route.startsWith('POST') ? 201 : 200;
        if (r.status !== want) throw new Error(`${s.key} ${route} answered ${r.status}, expected ${want}`);
        if (s.variant === 'gateway' && (!r.headers['content-security-policy'] || !r.headers['x-request-id'])) throw new Error(`${s.key} ${route}: helmet's or the request id header is missing`);
      }
      agent.destroy();
    }

    o.log(`http-adapter: warm-up, ${o.warmup} requests per route per server …`);
    for (const s of servers) for (const route of ROUTES) await closedLoop(targetOf(s), ROUTE_REQUESTS[route], o.warmup, o.concurrency);

    const batches = new Map<string, Batch[]>();
    for (let round = 0; round < o.rounds; round++) {
      // Rotate the order: each server goes first once every four rounds.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const s of order) {
        for (const route of ROUTES) {
          const b = await closedLoop(targetOf(s), ROUTE_REQUESTS[route], o.requests, o.concurrency);
          const k = `${s.key} ${route}`;
          batches.set(k, [...(batches.get(k) ?? []), b]);
          o.log(
            `  round ${round + 1}/${o.rounds} ${s.key.padEnd(16)} ${route.padEnd(22)} ${b.requestsPerSecond.toFixed(0).padStart(6)} req/s  ` +
              `server ${b.serverCpuMsPerRequest.toFixed(3)} ms CPU/req  client ${b.clientCpuMsPerRequest.toFixed(3)}  p50 ${median(b.latenciesMs).toFixed(2)} ms`,
          );
        }
      }
    }

    // Per server and route: the median round (req/s, CPU), latency quantiles over every round's requests.
    const results: Record<string, Record<string, unknown>> = {};
    for (const s of servers) {
      const perRoute: Record<string, unknown> = {};
      for (const route of ROUTES) {
        const bs = batches.get(`${s.key} ${route}`) ?? [];
        perRoute[route] = {
          requestsPerSecond: round(median(bs.map((b) => b.requestsPerSecond)), 0),
          serverCpuMsPerRequest: round(median(bs.map((b) => b.serverCpuMsPerRequest)), 3),
          serverCpuMsPerRequestRounds: bs.map((b) => round(b.serverCpuMsPerRequest, 3)),
          requestsPerSecondRounds: bs.map((b) => round(b.requestsPerSecond, 0)),
          clientCpuMsPerRequest: round(median(bs.map((b) => b.clientCpuMsPerRequest)), 3),
          ...pooled(bs),
        };
      }
      results[s.key] = perRoute;
    }
    // What Fastify saves against Express, per request (CPU ms, median rounds), bare and with the gateway's pieces.
    const saving: Record<string, Record<string, number>> = {};
    for (const variant of ['bare', 'gateway'] as const) {
      saving[variant] = {};
      for (const route of ROUTES) {
        const e = results[`express-${variant}`][route] as { serverCpuMsPerRequest: number };
        const f = results[`fastify-${variant}`][route] as { serverCpuMsPerRequest: number };
        saving[variant][route] = round(e.serverCpuMsPerRequest - f.serverCpuMsPerRequest, 3);
      }
    }
    return {
      method:
        'four Nest servers, one process each (express/fastify × bare/gateway, bench/lib/http-adapter-server.ts); after a warm-up, every round drives each in turn (order rotating) ' +
        'with the same closed loop (keep-alive, `concurrency` in flight, `requests` per route); server CPU per request = process.cpuUsage() of the server over the batch / requests; ' +
        'req/s and CPU are the median round, p50/p99 over every measured request',
      startedAt,
      finishedAt: new Date().toISOString(),
      loadAverageBefore: loadBefore,
      loadAverageAfter: machineInfo().loadAverageAtStart,
      concurrency: o.concurrency,
      requestsPerRoutePerRound: o.requests,
      rounds: o.rounds,
      warmupPerRoute: o.warmup,
      postBodyBytes: Buffer.byteLength(POST_BODY),
      checks,
      servers: results,
      fastifySavesCpuMsPerRequest: saving,
    };
  } finally {
    for (const s of servers) {
      s.child.send({ type: 'stop' });
      await new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)));
    }
  }
}

export type HttpAdapterResult = Awaited<ReturnType<typeof runHttpAdapterPhase>>;

/** The summary lines the bench prints. */
export function httpAdapterSummary(r: HttpAdapterResult): string {
  const lines = [`http adapter (${r.rounds} rounds × ${r.requestsPerRoutePerRound} requests per route, ${r.concurrency} in flight; load ${r.loadAverageBefore.join(' ')} → ${r.loadAverageAfter.join(' ')}):`];
  for (const [key, routes] of Object.entries(r.servers)) {
    for (const [route, v] of Object.entries(routes)) {
      const f = v as { requestsPerSecond: number; serverCpuMsPerRequest: number; p50Ms: number; p99Ms: number };
      lines.push(`  ${key.padEnd(16)} ${route.padEnd(22)} ${String(f.requestsPerSecond).padStart(6)} req/s  server CPU ${f.serverCpuMsPerRequest.toFixed(3)} ms/req  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms`);
    }
  }
  for (const [variant, routes] of Object.entries(r.fastifySavesCpuMsPerRequest)) {
    lines.push(`  Fastify saves (${variant}): ${Object.entries(routes).map(([route, ms]) => `${route} ${ms} ms CPU/req`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The bench's `gateway-route` phase: the real gateway (started by the bench with the platform)
 * under the same closed loop, on two authenticated routes, to put the adapter's share in
 * proportion. `GET /api/me` is answered by the gateway itself (the session-open check and
 * the user's row: two primary-key reads); `GET /api/bookings?limit=5` is forwarded to the
 * bookings service over RPC, as most of a lesson's requests are. CPU per request of the gateway
 * process, of the bookings service and of the bench database's Postgres backends, from /proc
 * (10 ms ticks: each batch spends seconds).
 */
export async function runGatewayRoutePhase(
  gatewayPort: number,
  tokens: string[],
  cpu: { gatewayMs: () => number; bookingsMs: () => number; postgresPids: () => number[] },
  o: HttpAdapterOptions,
) {
  const routes = {
    'GET /api/me': { method: 'GET', path: '/api/me' },
    'GET /api/bookings?limit=5': { method: 'GET', path: '/api/bookings?limit=5' },
  };
  const startedAt = new Date().toISOString();
  const loadBefore = machineInfo().loadAverageAtStart;
  const target: Target = { port: gatewayPort, token: tokens, cpuMs: () => Promise.resolve(cpu.gatewayMs()) };
  o.log(`gateway-route: warm-up, ${o.warmup} requests per route …`);
  for (const r of Object.values(routes)) await closedLoop(target, r, o.warmup, o.concurrency);
  const out: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(routes)) {
    const bs: Array<Batch & { postgresCpuMsPerRequest: number; bookingsCpuMsPerRequest: number }> = [];
    for (let round = 0; round < o.rounds; round++) {
      // Per backend: the pool may open or close one meanwhile (a new one counts from zero).
      const pgBefore = new Map(cpu.postgresPids().map((pid) => [pid, cpuSeconds(pid)]));
      const bookingsBefore = cpu.bookingsMs();
      const b = await closedLoop(target, r, o.requests, o.concurrency);
      const pg = (cpu.postgresPids().reduce((a, pid) => a + Math.max(0, cpuSeconds(pid) - (pgBefore.get(pid) ?? 0)), 0) * 1000) / o.requests;
      const bookings = (cpu.bookingsMs() - bookingsBefore) / o.requests;
      bs.push({ ...b, postgresCpuMsPerRequest: pg, bookingsCpuMsPerRequest: bookings });
      o.log(
        `  round ${round + 1}/${o.rounds} gateway ${name.padEnd(26)} ${b.requestsPerSecond.toFixed(0).padStart(6)} req/s  gateway ${b.serverCpuMsPerRequest.toFixed(3)} ms CPU/req  ` +
          `bookings ${bookings.toFixed(3)}  postgres ${pg.toFixed(3)}  client ${b.clientCpuMsPerRequest.toFixed(3)}  p50 ${median(b.latenciesMs).toFixed(2)} ms  ${JSON.stringify(b.statuses)}`,
      );
    }
    out[name] = {
      requestsPerSecond: round(median(bs.map((b) => b.requestsPerSecond)), 0),
      gatewayCpuMsPerRequest: round(median(bs.map((b) => b.serverCpuMsPerRequest)), 3),
      gatewayCpuMsPerRequestRounds: bs.map((b) => round(b.serverCpuMsPerRequest, 3)),
      bookingsCpuMsPerRequest: round(median(bs.map((b) => b.bookingsCpuMsPerRequest)), 3),
      postgresCpuMsPerRequest: round(median(bs.map((b) => b.postgresCpuMsPerRequest)), 3),
      clientCpuMsPerRequest: round(median(bs.map((b) => b.clientCpuMsPerRequest)), 3),
      ...pooled(bs),
    };
  }
  return {
    method: 'the running gateway, `callers` students (each loop worker one of them), the same closed loop as http-adapter; CPU per request from /proc of the gateway process, the bookings service and the bench database\'s backends; median round',
    startedAt,
    finishedAt: new Date().toISOString(),
    loadAverageBefore: loadBefore,
    loadAverageAfter: machineInfo().loadAverageAtStart,
    concurrency: o.concurrency,
    callers: tokens.length,
    requestsPerRoutePerRound: o.requests,
    rounds: o.rounds,
    warmupPerRoute: o.warmup,
    routes: out as Record<string, { requestsPerSecond: number; gatewayCpuMsPerRequest: number; bookingsCpuMsPerRequest: number; postgresCpuMsPerRequest: number; p50Ms: number; p99Ms: number; statuses: Record<string, number> }>,
  };
}

export type GatewayRouteResult = Awaited<ReturnType<typeof runGatewayRoutePhase>>;

export function gatewayRouteSummary(r: GatewayRouteResult): string {
  const lines = [`the real gateway (${r.rounds} rounds × ${r.requestsPerRoutePerRound} requests per route, ${r.concurrency} in flight from ${r.callers} users; load ${r.loadAverageBefore.join(' ')} → ${r.loadAverageAfter.join(' ')}):`];
  for (const [route, f] of Object.entries(r.routes)) {
    lines.push(`  ${route.padEnd(26)} ${String(f.requestsPerSecond).padStart(6)} req/s  gateway CPU ${f.gatewayCpuMsPerRequest.toFixed(3)} ms/req  bookings ${f.bookingsCpuMsPerRequest.toFixed(3)}  Postgres ${f.postgresCpuMsPerRequest.toFixed(3)} ms/req  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  ${JSON.stringify(f.statuses)}`);
  }
  return `${lines.join('\n')}\n`;
}
