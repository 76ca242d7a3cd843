import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '@tutorhub/testing';
import { startCluster, type Cluster } from './support/cluster';
import { assertAllWell } from './support/checks';
import { http, seen, until, type Reply } from './support/http';
import { register, runStaggered, type JourneyKind } from './support/journey';
import { openLab, type Lab } from './support/lab';
import { diagnose } from './support/diagnose';
import { record } from './support/results';

/**
 * Postgres restarts in the middle of the load, and stays down for 10 s (`pg_ctlcluster stop -m
 * fast`, then `start`): every open transaction is rolled back, every pooled connection dies, new
 * ones are refused. While it is down, requests must fail fast with 503 problems (no hang, no
 * 500); afterwards everything must recover without restarting any app, every journey must
 * complete, and nothing may be half written (money invariants, cross-service agreement, outbox
 * and inbox complete, nothing dead-lettered).
 */
const DOWN_MS = 10_000;
const JOURNEYS = 8;
const KINDS: JourneyKind[] = ['lesson', 'cancel', 'lesson', 'tutor_absent'];

describe('database restart during load', () => {
  let lab: Lab;
  let db: TestDatabase;
  let cluster: Cluster;
  let databaseDown = false;

  beforeAll(async () => {
    lab = await openLab();
    db = await lab.createDatabase();
    cluster = await startCluster({ db, amqpUrl: lab.amqpUrl });
  });

  afterAll(async () => {
    if (databaseDown) lab.startDatabase();
    await cluster?.stop();
    await db?.drop();
  });

  it('answers 503 while Postgres is down, writes nothing by halves and recovers by itself', async () => {
    seen.reset();
    const reader = await register({ base: () => cluster.api(), sandboxUrl: cluster.sandboxUrl }, 'student', 'Reader');
    const timeline: string[] = [];
    const whileDown: Array<{ path: string; r: Reply }> = [];
    let down = false;
    let stopReading = false;
    // A client that keeps reading throughout: what it sees while the database is down is the point.
    const reading = (async () => {
      const paths = ['/me', '/bookings', '/notifications', '/tutors?limit=5'];
      for (let i = 0; !stopReading; i++) {
        const path = paths[i % paths.length];
        const r = await http(cluster.api(), 'GET', path, { token: reader.token, timeoutMs: 20000 });
        if (down) whileDown.push({ path, r });
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    let reachedPay = 0;
    let fault: Promise<void> | undefined;
    const restart = async () => {
      timeline.push(`${new Date().toISOString()} pg_ctlcluster stop -m fast`);
      databaseDown = true;
      lab.stopDatabase();
      down = true;
      await new Promise((r) => setTimeout(r, DOWN_MS));
      down = false;
      lab.startDatabase();
      databaseDown = false;
      timeline.push(`${new Date().toISOString()} pg_ctlcluster start`);
    };
    try {
      const journeys = await runStaggered(
        () => ({ base: () => cluster.api(), sandboxUrl: cluster.sandboxUrl, stepTimeoutMs: 150_000 }),
        JOURNEYS,
        1500,
        `dbrestart-${randomUUID().slice(0, 6)}`,
        KINDS,
        (step) => {
          if (step === 'pay') reachedPay++;
          if (!fault && reachedPay >= 4) fault = restart();
        },
      );
      await fault;
      stopReading = true;
      await reading;
      expect(timeline).toHaveLength(2);

      // While it was down: answers (no hang), 503 problems with a code, never a 500 or 502.
      expect(whileDown.length).toBeGreaterThan(5);
      const statuses = whileDown.map((x) => x.r.status);
      const unexpected = whileDown.filter((x) => x.r.status !== 503 && x.r.status !== 200);
      expect(unexpected.map((x) => `${x.path} ${x.r.status} ${x.r.text.slice(0, 200)}`)).toEqual([]);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
      for (const x of whileDown.filter((w) => w.r.status === 503)) {
        expect(x.r.contentType).toMatch(/^application\/problem\+json/);
        expect(typeof (x.r.body as { code?: unknown }).code).toBe('string');
      }
      for (const bad of [0, 500, 502, 504]) expect({ status: bad, count: seen.byStatus.get(bad) ?? 0, examples: seen.examples.get(bad) }).toEqual({ status: bad, count: 0, examples: undefined });

      // Recovered without restarting anything.
      for (const inst of cluster.instances.values()) {
        expect(inst.exits).toEqual([]);
        await until(`${inst.id} ready`, async () => (await http(inst.url, 'GET', '/health/ready')).status === 200, 60000);
      }
      const figures = await assertAllWell(cluster, journeys);
      const codes: Record<string, number> = {};
      for (const x of whileDown) {
        const code = x.r.status === 200 ? '200' : `${x.r.status} ${(x.r.body as { code?: string })?.code}`;
        codes[code] = (codes[code] ?? 0) + 1;
      }
      const ms = whileDown.map((x) => x.r.ms).sort((a, b) => a - b);
      record('database-restart', {
        lab: lab.kind,
        downMs: DOWN_MS,
        journeys: journeys.length,
        timeline,
        readsWhileDown: codes,
        readLatencyWhileDownMs: { p50: Math.round(ms[Math.floor(ms.length / 2)] ?? 0), max: Math.round(ms[ms.length - 1] ?? 0) },
        answers: seen.summary(),
        ...figures,
      });
    } catch (err) {
      stopReading = true;
      throw new Error(`${(err as Error).message}\n${timeline.join('\n')}\n${await diagnose(cluster)}\n${cluster.dump(25)}`);
    }
  });
});
