import { randomUUID } from 'node:crypto';
import { startCluster, type AppName, type Cluster } from './support/cluster';
import { assertAllWell } from './support/checks';
import { http, seen, until } from './support/http';
import { runStaggered, type JourneyKind } from './support/journey';
import { diagnose } from './support/diagnose';
import { record } from './support/results';

/**
 * `kill -9` of every app in turn (gateway, bookings, sessions, payments, notifications), each at
 * a random moment while a batch of journeys runs, then a restart of that app: whatever it was
 * doing (a transaction, an outbox pass, an event in hand, an RPC, a job) is cut off mid-way.
 * Every journey must complete, and the outbox and inbox must make every effect exactly once.
 * The random moments come from a seed (printed, and RELIABILITY_SEED replays it).
 */
const JOURNEYS = 16;
const KINDS: JourneyKind[] = ['lesson', 'tutor_absent', 'lesson', 'cancel'];
const VICTIMS: AppName[] = ['gateway', 'bookings', 'sessions', 'payments', 'notifications'];

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('kill -9 of each app during a batch of journeys', () => {
  let cluster: Cluster;
  const seed = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));

  beforeAll(async () => {
    cluster = await startCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('completes every journey, with every effect exactly once', async () => {
    seen.reset();
    const random = prng(seed);
    const order = [...VICTIMS].sort(() => random() - 0.5);
    const timeline: string[] = [`seed ${seed}`];
    let journeysDone = false;
    const chaos = (async () => {
      await new Promise((r) => setTimeout(r, 3000));
      for (const app of order) {
        if (journeysDone) break;
        await new Promise((r) => setTimeout(r, 500 + random() * 3500));
        timeline.push(`${new Date().toISOString()} kill -9 ${app}`);
        await cluster.kill(app, 0, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 200 + random() * 1500));
        await cluster.start(app, 0);
        timeline.push(`${new Date().toISOString()} ${app} restarted and ready`);
      }
    })();
    try {
      const journeys = await runStaggered(
        () => ({ base: () => cluster.api(), sandboxUrl: cluster.sandboxUrl, stepTimeoutMs: 150_000 }),
        JOURNEYS,
        2000,
        `kill9-${randomUUID().slice(0, 6)}`,
        KINDS,
      ).finally(() => {
        journeysDone = true;
      });
      await chaos;
      // Every app was killed while journeys were still running.
      const kills = timeline.filter((l) => l.includes('kill -9'));
      expect(kills).toHaveLength(VICTIMS.length);
      for (const app of VICTIMS) expect(cluster.instances.get(`${app}#0`)?.exits).toEqual(['/SIGKILL']);
      for (const inst of cluster.instances.values()) {
        await until(`${inst.id} ready`, async () => (await http(inst.url, 'GET', '/health/ready')).status === 200, 60000);
      }
      // Clients saw refused connections (the gateway was dead) and 503s, never a 500 or 502.
      for (const bad of [500, 502]) expect({ status: bad, count: seen.byStatus.get(bad) ?? 0, examples: seen.examples.get(bad) }).toEqual({ status: bad, count: 0, examples: undefined });
      const figures = await assertAllWell(cluster, journeys);
      record('kill-9', { seed, journeys: journeys.length, timeline, answers: seen.summary(), ...figures });
    } catch (err) {
      journeysDone = true;
      await chaos.catch(() => undefined);
      throw new Error(`${(err as Error).message}\n${timeline.join('\n')}\n${await diagnose(cluster)}\n${cluster.dump(25)}`);
    }
  });
});
