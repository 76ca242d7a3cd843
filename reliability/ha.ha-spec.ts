import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildPrivate, startCluster, type Cluster } from './support/cluster';
import { assertAllWell } from './support/checks';
import { diagnose } from './support/diagnose';
import { openHaLab, nodeName, pgQuery, PG_PORTS, sleep, type HaLab } from './support/ha-lab';
import { http, seen, until } from './support/http';
import { register, runStaggered, type JourneyKind, type JourneyResult } from './support/journey';
import { record } from './support/results';

/**
 * The HA fault lab scenarios (docs/reliability.md, "HA fault lab"; `npm run test:reliability:ha`):
 * production's topology — a 3-node RabbitMQ cluster with quorum queues, a Postgres primary with a
 * synchronous replica behind a proxy that follows the writable node — and what it actually does
 * to us: a broker node killed, stopped for a minute, partitioned away; the database primary
 * killed and the replica promoted, once at any time and once with the release job mid-batch.
 *
 * Each scenario runs lessons (payments, sessions, releases, refunds) on a fresh platform with the
 * fault in the middle, then the fault lab's checks: every journey at its right final state in
 * every service, no event missing or dead-lettered, every effect exactly once, the money
 * invariants; no app restarted; clients saw 503 problems at worst (never a 500/502/504, a
 * refused connection or a hang). The time to recover is measured by a client probing the API throughout.
 */
const JOURNEYS = Number(process.env.HA_JOURNEYS ?? 16);
const STAGGER_MS = 1500;
const KINDS: JourneyKind[] = ['lesson', 'cancel', 'lesson', 'tutor_absent'];
/** Short delays as in the other fault scenarios (releases 3.6 s after the lesson, jobs every second). */
const ENV: Record<string, string> = { DATABASE_POOL_SIZE: '5' };

jest.setTimeout(20 * 60_000);

/** Progress as it happens (Jest prints a file's results only at its end): reliability/.results/ha.log. */
const RESULTS = join(__dirname, '.results');
function progress(line: string): void {
  mkdirSync(RESULTS, { recursive: true });
  appendFileSync(join(RESULTS, 'ha.log'), `${new Date().toISOString()} ${line}\n`);
}

interface Probe {
  stop(): Promise<void>;
  /** ms from `since` to the last failed probe after it (0: none failed); and what the probe saw. */
  recovery(since: number): { recoveredAfterMs: number; failures: Record<string, number> };
}

/** A client reading through the gateway (a service RPC and its database) every 250 ms. */
async function startProbe(cluster: Cluster): Promise<Probe> {
  const reader = await register({ base: () => cluster.api(), sandboxUrl: cluster.sandboxUrl }, 'student', 'Probe');
  const samples: Array<{ t: number; status: number; code?: string }> = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = Date.now();
      const r = await http(cluster.api(), 'GET', '/bookings', { token: reader.token, timeoutMs: 20_000 });
      samples.push({ t, status: r.status, code: (r.body as { code?: string } | undefined)?.code });
      await sleep(250);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
    recovery(since) {
      const after = samples.filter((s) => s.t >= since);
      const failed = after.filter((s) => s.status !== 200);
      const failures: Record<string, number> = {};
      for (const f of failed) failures[`${f.status} ${f.code ?? ''}`.trim()] = (failures[`${f.status} ${f.code ?? ''}`.trim()] ?? 0) + 1;
      const last = failed[failed.length - 1];
      return { recoveredAfterMs: last ? last.t - since : 0, failures };
    },
  };
}

interface FaultContext {
  lab: HaLab;
  cluster: Cluster;
  timeline: string[];
  mark(what: string): number;
  /** When the fault itself happened (the time to recover counts from here); default: when `fault` was called. */
  faultAt: number;
}

interface ScenarioOptions {
  env?: Record<string, string>;
  kinds?: JourneyKind[];
  journeys?: number;
  /** When the fault starts: after this many journeys have reached `pay` (default 4). */
  afterPays?: number;
  /** The fault; resolves when it is over (healed, or failed over). Returns its own figures. */
  fault(ctx: FaultContext): Promise<Record<string, unknown>>;
  /** Extra checks once every journey is done (e.g. nothing acknowledged lost). */
  after?(ctx: FaultContext, journeys: JourneyResult[]): Promise<Record<string, unknown>>;
}

describe('HA fault lab', () => {
  let lab: HaLab;
  let dist: string;

  beforeAll(async () => {
    lab = await openHaLab();
    // One build for every scenario (each starts its own platform from it).
    dist = buildPrivate(`ha-${randomUUID().slice(0, 6)}`);
    process.env.RELIABILITY_PREBUILT = dist;
  }, 10 * 60_000);

  afterAll(async () => {
    delete process.env.RELIABILITY_PREBUILT;
    if (dist) rmSync(dist, { recursive: true, force: true });
    await lab?.close();
  });

  async function scenario(name: string, o: ScenarioOptions): Promise<void> {
    const db = await lab.createDatabase();
    let cluster: Cluster | undefined;
    const timeline: string[] = [];
    const started = Date.now();
    const kinds = o.kinds ?? KINDS;
    const mark = (what: string) => {
      const t = Date.now();
      timeline.push(`+${((t - started) / 1000).toFixed(1)} s ${what}`);
      progress(`${name}: ${what}`);
      return t;
    };
    try {
      cluster = await startCluster({ db, amqpUrl: lab.amqpUrls.join(','), env: { ...ENV, ...o.env } });
      const c = cluster;
      const ctx: FaultContext = { lab, cluster: c, timeline, mark, faultAt: 0 };
      mark('platform up');
      seen.reset();
      const probe = await startProbe(c);
      let pays = 0;
      let fault: Promise<Record<string, unknown>> | undefined;
      let faultAt = 0;
      const journeys = await runStaggered(
        // Tutor-absent lessons 90 s ahead, not 50 s: a checkout whose opening a failover cut short
        // (URL never saved, so nothing can have been paid) is retired by payments after 60 s
        // (STALE_INITIATION_MS), and only then can the student pay again. In production a lesson is
        // booked at least BOOKING_MIN_NOTICE_MINUTES (60) ahead, so that wait always fits; 50 s did
        // not (scenario 5 once failed so, docs/reliability.md), 90 s keeps production's proportion.
        () => ({ base: () => c.api(), sandboxUrl: c.sandboxUrl, stepTimeoutMs: 240_000, tutorAbsentLeadMs: 90_000 }),
        o.journeys ?? JOURNEYS,
        STAGGER_MS,
        `${name}-${randomUUID().slice(0, 6)}`,
        kinds,
        (step) => {
          if (step === 'pay') pays++;
          if (!fault && pays >= (o.afterPays ?? 4)) {
            faultAt = Date.now();
            ctx.faultAt = faultAt;
            fault = o.fault(ctx);
            // Awaited once the journeys are done; a fault that fails early is reported then (and
            // logged now), not as an unhandled rejection in the middle of the journeys.
            fault.catch((err: Error) => progress(`${name}: the fault failed: ${err.message}`));
          }
        },
      );
      const faultFigures = await fault;
      if (!fault) throw new Error('the fault never started');
      mark(`all ${journeys.length} journeys done`);
      await probe.stop();
      // The apps healed by themselves: no process restarted, all ready.
      for (const inst of c.instances.values()) {
        expect({ id: inst.id, exits: inst.exits }).toEqual({ id: inst.id, exits: [] });
        await until(`${inst.id} ready`, async () => (await http(inst.url, 'GET', '/health/ready')).status === 200, 60_000);
      }
      for (const bad of [500, 502, 504]) expect({ status: bad, count: seen.byStatus.get(bad) ?? 0, examples: seen.examples.get(bad) }).toEqual({ status: bad, count: 0, examples: undefined });
      // No hang and no refusal: a request without an answer is only ever a kept-alive connection
      // the server closed under it (reported as socketClosed; the client retries it with the same
      // Idempotency-Key), never a timeout.
      const noAnswer = (seen.byStatus.get(0) ?? 0) - seen.socketClosed;
      if (noAnswer > 0) throw new Error(`${noAnswer} requests got no answer (refused or timed out), e.g. ${JSON.stringify(seen.examples.get(0))}`);
      const figures = await assertAllWell(c, journeys);
      const extra = o.after ? await o.after(ctx, journeys) : {};
      mark('checks passed');
      record(`ha-${name}`, {
        journeys: journeys.length,
        kinds: Object.fromEntries(kinds.map((k) => [k, journeys.filter((j) => j.kind === k).length])),
        ...faultFigures,
        ...probe.recovery(ctx.faultAt || faultAt),
        timeline,
        answers: seen.summary(),
        socketClosed: seen.socketClosed,
        ...figures,
        // What the apps said about the broker and the database during the fault (warnings only).
        appLog: [...c.instances.values()].flatMap((i) =>
          i.logs
            .filter((l) => /RabbitMQ connection|database|ECONNREFUSED|terminat/i.test(l))
            .slice(0, 12)
            .map((l) => `${i.id} ${l.slice(0, 400)}`),
        ),
        ...extra,
        scenarioSeconds: Math.round((Date.now() - started) / 1000),
      });
    } catch (err) {
      const detail = cluster ? `${await diagnose(cluster).catch(() => '')}\n${cluster.dump(25)}` : '';
      progress(`${name}: FAILED ${(err as Error).message}\n${detail}`);
      throw new Error(`${(err as Error).message}\n${timeline.join('\n')}\n${detail}`);
    } finally {
      await cluster?.stop().catch(() => undefined);
      await db.drop();
    }
  }

  /** The node leading the most of this platform's quorum queues. */
  function busiestLeader(cluster: Cluster): { node: number; leaders: Record<string, number> } {
    const leaders = lab.leaders(`${cluster.namespace}.`);
    const top = Object.entries(leaders).sort((a, b) => b[1] - a[1])[0]?.[0] ?? nodeName(0);
    return { node: [0, 1, 2].find((i) => nodeName(i) === top) ?? 0, leaders };
  }

  it('1. kill -9 of the broker node leading the most quorum queues', async () => {
    await scenario('broker-kill', {
      async fault({ cluster, mark }) {
        const { node, leaders } = busiestLeader(cluster);
        mark(`kill -9 ${nodeName(node)} (queue leaders: ${JSON.stringify(leaders)})`);
        lab.killNode(node);
        await sleep(30_000);
        const after = lab.leaders(`${cluster.namespace}.`);
        mark(`leaders after the kill: ${JSON.stringify(after)}; restarting ${nodeName(node)}`);
        await lab.startNode(node);
        mark(`${nodeName(node)} back in the cluster`);
        return { killed: nodeName(node), leadersBefore: leaders, leadersAfter: after };
      },
    });
  });

  it('2. a broker node stopped for 60 s, then brought back', async () => {
    await scenario('broker-stop', {
      async fault({ mark }) {
        const node = 1;
        mark(`rabbitmqctl stop ${nodeName(node)}`);
        lab.stopNode(node);
        await sleep(60_000);
        mark(`starting ${nodeName(node)}`);
        await lab.startNode(node);
        mark(`${nodeName(node)} back in the cluster`);
        return { stopped: nodeName(node), downMs: 60_000 };
      },
    });
  });

  it('3. a broker node partitioned from the other two, then healed', async () => {
    await scenario('broker-partition', {
      // Lessons and cancellations only: in the first run a tutor-absent journey (booked 50 s
      // ahead) could not pay before its lesson started while the partition was being detected,
      // and its booking expired unpaid — the business rule, not a loss (docs/reliability.md).
      kinds: ['lesson', 'cancel', 'lesson', 'lesson'],
      async fault({ cluster, mark }) {
        const { node, leaders } = busiestLeader(cluster);
        mark(`partition ${nodeName(node)} from the others (iptables; queue leaders: ${JSON.stringify(leaders)})`);
        lab.partition(node);
        await sleep(45_000);
        const during = lab.leaders(`${cluster.namespace}.`);
        mark(`leaders during the partition: ${JSON.stringify(during)}; healing`);
        const healed = await lab.heal(node);
        mark(`${nodeName(node)} back in the cluster${healed.restarted ? ' (it hung after the heal and was restarted)' : ' by itself'}`);
        return { partitioned: nodeName(node), partitionMs: 45_000, leadersBefore: leaders, leadersDuring: during, ...healed };
      },
    });
  });

  /**
   * What the primary had committed when it is killed: none of it may be missing after the
   * failover. Sound with synchronous replication: a commit becomes visible to other sessions
   * only after the standby has confirmed it (the backend waits before leaving the proc array).
   */
  async function committed(dbName: string) {
    const q = async (sql: string) => (await pgQuery<{ id: string; status?: string }>(PG_PORTS.primary, sql, dbName)).map((r) => r.id);
    return {
      payments: await q('SELECT id FROM payments.payments'),
      escrows: await q('SELECT id FROM payments.escrows'),
      releases: await q(`SELECT id FROM payments.escrows WHERE status = 'released'`),
      ledger: await q('SELECT id FROM payments.ledger_transactions'),
    };
  }

  async function missingAfterFailover(dbName: string, before: Awaited<ReturnType<typeof committed>> | undefined) {
    if (!before) throw new Error('no snapshot of what the primary had committed');
    const now = async (sql: string) => new Set((await pgQuery<{ id: string }>(PG_PORTS.replica, sql, dbName)).map((r) => r.id));
    const payments = await now('SELECT id FROM payments.payments');
    const escrows = await now('SELECT id FROM payments.escrows');
    const released = await now(`SELECT id FROM payments.escrows WHERE status = 'released'`);
    const ledger = await now('SELECT id FROM payments.ledger_transactions');
    const missing = {
      payments: before.payments.filter((id) => !payments.has(id)),
      escrows: before.escrows.filter((id) => !escrows.has(id)),
      releases: before.releases.filter((id) => !released.has(id)),
      ledger: before.ledger.filter((id) => !ledger.has(id)),
    };
    expect(missing).toEqual({ payments: [], escrows: [], releases: [], ledger: [] });
    return { committedBeforeKill: Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.length])) };
  }

  async function failover(ctx: FaultContext, dbName: string, snapshots: { before?: Awaited<ReturnType<typeof committed>> }) {
    snapshots.before = await committed(dbName);
    const t0 = ctx.mark('kill -9 the Postgres primary (postmaster and backends)');
    ctx.faultAt = t0;
    ctx.lab.killPrimary();
    // CloudNativePG notices a lost primary and promotes the most advanced replica in seconds.
    await sleep(3000);
    ctx.mark('pg_ctl promote the replica');
    await ctx.lab.promoteReplica();
    const t1 = ctx.mark('HAProxy sends writes to the promoted replica');
    return { writableAgainAfterMs: t1 - t0 };
  }

  it('4. kill -9 of the database primary, the synchronous replica promoted', async () => {
    const snapshots: { before?: Awaited<ReturnType<typeof committed>> } = {};
    let dbName = '';
    try {
      await scenario('db-failover', {
        fault: async (ctx) => {
          dbName = ctx.cluster.db.name;
          return failover(ctx, dbName, snapshots);
        },
        after: async () => missingAfterFailover(dbName, snapshots.before),
      });
    } finally {
      await lab.resetDatabase();
    }
  });

  it('5. database failover while the release job is mid-batch', async () => {
    const snapshots: { before?: Awaited<ReturnType<typeof committed>> } = {};
    let dbName = '';
    try {
      await scenario('db-failover-release', {
        // Releases pile up for 20 s, then the job settles them two per transaction: the primary is
        // killed once some of a pile are released and others are still due.
        env: { ESCROW_RELEASE_CRON: '*/20 * * * * *', ESCROW_RELEASE_BATCH_SIZE: '2' },
        journeys: JOURNEYS,
        afterPays: 1,
        fault: async (ctx) => {
          dbName = ctx.cluster.db.name;
          // On a quiet machine a pile's transactions commit a few ms apart, and the poll below
          // never sees one between them. The lab slows every release down (a quarter second per
          // escrow, in the database, the app unchanged), so "some released, some still due" lasts.
          await pgQuery(
            PG_PORTS.primary,
            `CREATE OR REPLACE FUNCTION public.lab_slow_release() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN PERFORM pg_sleep(0.25); RETURN NEW; END $$`,
            dbName,
          );
          await pgQuery(
            PG_PORTS.primary,
            `CREATE TRIGGER lab_slow_release AFTER UPDATE ON payments.escrows FOR EACH ROW
               WHEN (NEW.status = 'released' AND OLD.status IS DISTINCT FROM 'released')
               EXECUTE FUNCTION public.lab_slow_release()`,
            dbName,
          );
          ctx.mark('releases slowed down in the database (0.25 s per escrow)');
          const deadline = Date.now() + 6 * 60_000;
          let seenReleased = -1;
          for (;;) {
            const [r] = await pgQuery<{ released: string; due: string }>(
              PG_PORTS.primary,
              `SELECT count(*) FILTER (WHERE status = 'released') AS released,
                      count(*) FILTER (WHERE status = 'release_scheduled' AND release_at <= now()) AS due
                 FROM payments.escrows`,
              dbName,
            ).catch(() => [{ released: '0', due: '0' }]);
            const released = Number(r.released);
            const due = Number(r.due);
            if (seenReleased >= 0 && released > seenReleased && due > 0) {
              ctx.mark(`release job mid-batch: ${released} released, ${due} still due`);
              return { ...(await failover(ctx, dbName, snapshots)), releasedBeforeKill: released, dueAtKill: due };
            }
            seenReleased = released;
            if (Date.now() > deadline) throw new Error('never caught the release job mid-batch');
            await sleep(40);
          }
        },
        after: async () => missingAfterFailover(dbName, snapshots.before),
      });
    } finally {
      await lab.resetDatabase();
    }
  });
});
