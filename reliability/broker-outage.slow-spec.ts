import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '@tutorhub/testing';
import { startCluster, type Cluster } from './support/cluster';
import { assertAllWell } from './support/checks';
import { http, seen, until } from './support/http';
import { runStaggered, type JourneyKind } from './support/journey';
import { openLab, type Lab } from './support/lab';
import { diagnose } from './support/diagnose';
import { record } from './support/results';

/**
 * RabbitMQ goes away (`rabbitmqctl stop_app`) for 25 s while lessons are being paid for and
 * sessions are ending, then comes back (`start_app`). Meanwhile clients retry what answers 503,
 * the Chapa sandbox settles payments (its webhook cannot reach payments; the reconciliation job
 * verifies them), the release job keeps settling escrows and every state change waits in an
 * outbox. Afterwards every booking must reach its right final state, with no event or ledger
 * entry missing or doubled, and no app restarted.
 */
const OUTAGE_MS = 25_000;
const JOURNEYS = 8;
const KINDS: JourneyKind[] = ['lesson', 'lesson', 'tutor_absent', 'cancel'];

describe('broker outage', () => {
  let lab: Lab;
  let db: TestDatabase;
  let cluster: Cluster;
  let brokerDown = false;

  beforeAll(async () => {
    lab = await openLab();
    db = await lab.createDatabase();
    cluster = await startCluster({ db, amqpUrl: lab.amqpUrl });
  });

  afterAll(async () => {
    if (brokerDown) lab.startBroker();
    await cluster?.stop();
    await db?.drop();
  });

  it('loses and doubles nothing when RabbitMQ stops for 25 s mid-flow', async () => {
    seen.reset();
    let reachedPay = 0;
    let outage: Promise<void> | undefined;
    const timeline: string[] = [];
    const during = new Map<number, number>();
    const breakBroker = async () => {
      timeline.push(`${new Date().toISOString()} rabbitmqctl stop_app`);
      const before = new Map(seen.byStatus);
      lab.stopBroker();
      brokerDown = true;
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      lab.startBroker();
      brokerDown = false;
      timeline.push(`${new Date().toISOString()} rabbitmqctl start_app`);
      for (const [k, v] of seen.byStatus) during.set(k, v - (before.get(k) ?? 0));
    };
    const onStep = (step: string) => {
      // Break the broker once a few lessons are paying and the first are in or past their session.
      if (step === 'pay') reachedPay++;
      if (!outage && reachedPay >= 4) outage = breakBroker();
    };
    try {
      const journeys = await runStaggered(() => ({ base: () => cluster.api(), sandboxUrl: cluster.sandboxUrl, stepTimeoutMs: 150_000 }), JOURNEYS, 1500, `outage-${randomUUID().slice(0, 6)}`, KINDS, onStep);
      await outage;
      expect(timeline).toHaveLength(2);
      // The apps healed by themselves: no process restarted, all ready.
      for (const inst of cluster.instances.values()) {
        expect(inst.exits).toEqual([]);
        await until(`${inst.id} ready`, async () => (await http(inst.url, 'GET', '/health/ready')).status === 200, 30000);
      }
      // During the outage clients saw 503 problems and nothing worse: no 500/502, no hang.
      expect(during.get(503) ?? 0).toBeGreaterThan(0);
      for (const bad of [0, 500, 502, 504]) expect({ status: bad, count: seen.byStatus.get(bad) ?? 0, examples: seen.examples.get(bad) }).toEqual({ status: bad, count: 0, examples: undefined });
      const figures = await assertAllWell(cluster, journeys);
      record('broker-outage', { lab: lab.kind, outageMs: OUTAGE_MS, journeys: journeys.length, timeline, answersDuringOutage: Object.fromEntries(during), answers: seen.summary(), ...figures });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${timeline.join('\n')}\n${await diagnose(cluster)}\n${cluster.dump(25)}`);
    }
  });
});
