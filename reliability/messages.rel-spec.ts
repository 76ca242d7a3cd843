import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import { SERVICES, startCluster, type Cluster, type ServiceName } from './support/cluster';
import { brokerConnection, consumedByOutcome, deadLetterQueue, eventsExchange, eventsQueue, publishRaw, queueDepth, sendToQueue } from './support/broker';
import { assertExactlyOnce, assertJourneyOutcomes, effectCounts } from './support/effects';
import { http, until } from './support/http';
import { assertMoneyInvariants, withDb } from '@tutorhub/testing';
import { runBatch, type Client, type JourneyResult } from './support/journey';
import { diagnose } from './support/diagnose';
import { record } from './support/results';

/**
 * Poison and duplicate messages, against the real consumers of every service.
 * - Poison: each `<ns>.<service>.events` queue gets malformed messages of every kind (not JSON,
 *   empty, binary, a bad envelope, an unknown type, a type the service does not handle, valid
 *   envelopes with invalid data). Each must land in `<service>.events.dlq` at once, nothing may
 *   crash, and journeys afterwards must still complete.
 * - Duplicates: every event the platform really published (every outbox row of every service) is
 *   published again, twice, exactly as the relay would after a crash between confirm and commit.
 *   Each consumer must recognise every copy as a duplicate, with no effect at all: the same row
 *   counts, versions and balances before and after, and the money invariants hold.
 */
describe('poison and duplicate messages', () => {
  let cluster: Cluster;
  let conn: ChannelModel;
  const runTag = randomUUID().slice(0, 6);
  const client = (): Client => ({ base: () => cluster.api(0), sandboxUrl: cluster.sandboxUrl });
  const journeys: JourneyResult[] = [];

  beforeAll(async () => {
    cluster = await startCluster();
    conn = await brokerConnection(cluster);
  });

  afterAll(async () => {
    await conn?.close().catch(() => undefined);
    await cluster?.stop();
  });

  const envelope = (type: string, data: unknown) => ({
    id: randomUUID(),
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: 'mallory',
    correlationId: randomUUID(),
    causationId: null,
    data,
  });

  /** A type each service does handle, and one it does not. */
  const HANDLED: Record<ServiceName, string> = {
    bookings: 'payments.escrow.held.v1',
    sessions: 'bookings.booking.confirmed.v1',
    payments: 'bookings.booking.accepted.v1',
    notifications: 'bookings.booking.requested.v1',
  };
  const NOT_HANDLED: Record<ServiceName, string> = {
    bookings: 'notifications.notification.created.v1',
    sessions: 'payments.payout.requested.v1',
    payments: 'notifications.notification.created.v1',
    notifications: 'notifications.notification.created.v1',
  };

  const poison = (s: ServiceName): Array<[string, Buffer | string]> => [
    ['not JSON', '{"id": "unterminated'],
    ['empty body', ''],
    ['binary', Buffer.from([0, 159, 146, 150, 255, 0, 1])],
    ['JSON array', '[1,2,3]'],
    ['a bad envelope', JSON.stringify({ hello: 'world' })],
    ['an envelope without an id', JSON.stringify({ ...envelope(HANDLED[s], {}), id: undefined })],
    ['an unknown event type', JSON.stringify(envelope('bookings.booking.exploded.v1', { bookingId: randomUUID() }))],
    ['a type this service does not handle', JSON.stringify(envelope(NOT_HANDLED[s], { notificationId: randomUUID() }))],
    ['a handled type with empty data', JSON.stringify(envelope(HANDLED[s], {}))],
    [
      'a handled type with a float, negative price and a bad uuid',
      JSON.stringify(
        envelope(HANDLED[s], {
          bookingId: 'not-a-uuid',
          studentId: randomUUID(),
          tutorId: randomUUID(),
          escrowId: randomUUID(),
          price: { amountMinor: -10.5, currency: 'ETB' },
          amount: { amountMinor: 1.5, currency: 'XXX' },
          startsAt: 'tomorrow',
          endsAt: 'never',
        }),
      ),
    ],
    ['a 1 MB body of junk', JSON.stringify({ junk: 'j'.repeat(1024 * 1024) })],
  ];

  it('dead-letters every malformed message at once on every consumer queue, and the flow continues', async () => {
    try {
      const before: Record<string, number> = {};
      const handledBefore: Record<string, number> = {};
      for (const s of SERVICES) {
        before[s] = await queueDepth(conn, deadLetterQueue(cluster.namespace, s));
        handledBefore[s] = (await consumedByOutcome(cluster, s)).handled ?? 0;
      }
      let sent = 0;
      for (const s of SERVICES) {
        for (const [, body] of poison(s)) {
          // Straight into the service's queue (the routing an attacker with broker access could do),
          // and through the exchange under a routing key the queue is bound to.
          await sendToQueue(conn, eventsQueue(cluster.namespace, s), body, { messageId: randomUUID() });
          sent++;
        }
        await publishRaw(conn, eventsExchange(cluster.namespace), HANDLED[s], JSON.stringify(envelope(HANDLED[s], { bookingId: 42 })), { messageId: randomUUID() });
        sent++;
      }
      // The gateway's live-stream queue ignores junk too (and must stay up).
      await publishRaw(conn, eventsExchange(cluster.namespace), 'notifications.notification.created.v1', '{"not": "an envelope"}');

      // Each queue got its own poison directly plus one through the exchange; exchange poison under
      // a shared routing key also reaches the other queues bound to it (e.g. notifications).
      const dlq: Record<string, number> = {};
      for (const s of SERVICES) {
        const atLeast = poison(s).length + 1;
        await until(`${atLeast} dead letters for ${s}`, async () => (await queueDepth(conn, deadLetterQueue(cluster.namespace, s))) - before[s] >= atLeast, 30000, 200);
      }
      await new Promise((r) => setTimeout(r, 1000));
      for (const s of SERVICES) {
        dlq[s] = (await queueDepth(conn, deadLetterQueue(cluster.namespace, s))) - before[s];
        const m = await consumedByOutcome(cluster, s);
        expect(dlq[s]).toBeGreaterThanOrEqual(poison(s).length + 1);
        // Every message the consumer judged malformed is in its DLQ: none requeued, none lost.
        expect(m.malformed).toBe(dlq[s]);
        // Nothing was handled as if it were a real event.
        expect(m.handled ?? 0).toBe(handledBefore[s]);
        expect(await queueDepth(conn, eventsQueue(cluster.namespace, s))).toBe(0);
      }
      for (const inst of cluster.instances.values()) expect(cluster.isRunning(inst.app, inst.index)).toBe(true);
      const gw = await http(cluster.url('gateway'), 'GET', '/metrics');
      expect(gw.text).toMatch(/gateway_sse_notifications_total\{outcome="malformed"\} 1/);

      // The flow goes on: a batch of journeys of every kind completes.
      journeys.push(...(await runBatch(client, 3, 3, `${runTag}-after-poison`)));
      await assertJourneyOutcomes(cluster.db.url, journeys);
      await assertMoneyInvariants(cluster.db.url);
      record('poison', { sent, deadLettered: dlq, journeysAfter: journeys.length });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await diagnose(cluster)}\n${cluster.dump(20)}`);
    }
  });

  /** Waits until nothing moves: outboxes published, queues empty, row counts stable. */
  const quiesce = async () => {
    let last = '';
    await until('the platform to settle', async () => {
      const pending = await withDb(cluster.db.url, async (c) => {
        let n = 0;
        for (const s of ['identity', ...SERVICES]) n += Number((await c.query(`SELECT count(*) AS n FROM "${s}".outbox WHERE published_at IS NULL`)).rows[0].n);
        return n;
      });
      let queued = 0;
      for (const s of SERVICES) queued += await queueDepth(conn, eventsQueue(cluster.namespace, s));
      const counts = JSON.stringify(await effectCounts(cluster.db.url));
      const stable = pending === 0 && queued === 0 && counts === last;
      last = counts;
      return stable;
    }, 60000, 1500);
  };

  it('gives every real event delivered twice more exactly one effect', async () => {
    try {
      await quiesce();
      const before = await effectCounts(cluster.db.url);
      const events = await withDb(cluster.db.url, async (c) => {
        const out: Array<{ id: string; type: string; envelope: unknown }> = [];
        for (const s of ['identity', ...SERVICES]) out.push(...(await c.query(`SELECT id, type, envelope FROM "${s}".outbox ORDER BY seq`)).rows);
        return out;
      });
      // Which of them each service consumed (and so must now see as duplicates).
      const consumed = await withDb(cluster.db.url, async (c) => {
        const out: Record<string, number> = {};
        for (const s of SERVICES) {
          out[s] = Number((await c.query(`SELECT count(*) AS n FROM "${s}".inbox WHERE event_id = ANY($1::uuid[])`, [events.map((e) => e.id)])).rows[0].n);
        }
        return out;
      });
      const dupBefore: Record<string, number> = {};
      for (const s of SERVICES) dupBefore[s] = (await consumedByOutcome(cluster, s)).duplicate ?? 0;

      for (let copy = 0; copy < 2; copy++) {
        for (const e of events) {
          await publishRaw(conn, eventsExchange(cluster.namespace), e.type, JSON.stringify(e.envelope), { messageId: e.id, type: e.type });
        }
      }
      for (const s of SERVICES) {
        await until(`${s} to see ${2 * consumed[s]} duplicates`, async () => ((await consumedByOutcome(cluster, s)).duplicate ?? 0) - dupBefore[s] >= 2 * consumed[s], 60000, 300);
        const m = await consumedByOutcome(cluster, s);
        expect((m.duplicate ?? 0) - dupBefore[s]).toBe(2 * consumed[s]);
      }
      await quiesce();
      const after = await effectCounts(cluster.db.url);
      expect(after).toEqual(before);
      await assertExactlyOnce(cluster.db.url);
      await assertJourneyOutcomes(cluster.db.url, journeys);
      const money = await assertMoneyInvariants(cluster.db.url);
      record('duplicates', { republished: events.length * 2, consumedPerService: consumed, rowCounts: after, money });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await diagnose(cluster)}\n${cluster.dump(20)}`);
    }
  });
});
