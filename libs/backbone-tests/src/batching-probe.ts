import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, deleteNamespace, eventually, queueDepth, startTestService, testNamespace, type TestDatabase, type TestService } from '@tutorhub/testing';
import { Topology } from '@tutorhub/messaging';
import { ProbeHandlers, probeMain } from './probe-service';

/**
 * The probe service with one event worker (event prefetch 8, batches of 8), for the batched and
 * set-based consumption tests: a delivery held inside its handler (a gate) lines the next ones
 * up, and they go as one batch when it is released. Call inside a `describe`: it starts the
 * service before the tests and removes it and its database after them.
 */
export function batchingProbe() {
  let db: TestDatabase;
  let namespace: string;
  let service: TestService<unknown>;

  beforeAll(async () => {
    db = await createTestDatabase();
    namespace = testNamespace();
    service = await startTestService(probeMain, { db, namespace, env: { AMQP_PREFETCH: '8', EVENT_PREFETCH: '8', EVENT_BATCH_SIZE: '8' } });
  });
  afterAll(async () => {
    await service?.close();
    // The namespace is this file's (passed to startTestService, which then leaves it): remove its queues.
    if (namespace) await deleteNamespace(namespace, ['probe']);
    await db?.drop();
  });

  const ds = () => service.app.get(DataSource);
  const handlers = () => service.app.get(ProbeHandlers);
  const unpublished = async () => Number((await ds().query(`SELECT count(*)::int AS n FROM probe.outbox WHERE published_at IS NULL`))[0].n);
  /** `completed` events (the probe's per-event type) for these bookings, in one transaction. */
  const completed = (ids: string[]) => ds().transaction(async (em) => Promise.all(ids.map((id) => handlers().emitCompleted(em, id))));

  return {
    service: () => service,
    db: () => db,
    ds,
    handlers,
    topology: () => new Topology(namespace),
    eventsQueue: () => `${namespace}.probe.events`,
    completed,
    unpublished,
    /** How many effects each of these bookings has (a booking without one is absent). */
    async effectCounts(ids: string[]): Promise<Map<string, number>> {
      const rows: Array<{ booking_id: string; n: number }> = await ds().query(
        `SELECT booking_id, count(*)::int AS n FROM probe.effects WHERE booking_id = ANY($1::uuid[]) GROUP BY booking_id`,
        [ids],
      );
      return new Map(rows.map((r) => [r.booking_id, r.n]));
    },
    /** Holds the consumer's only worker inside a (per-event) handler until `release` is called. */
    async holdConsumer(): Promise<{ bookingId: string; release: () => void }> {
      const bookingId = randomUUID();
      let release!: () => void;
      handlers().gates.set(bookingId, new Promise<void>((r) => (release = r)));
      await completed([bookingId]);
      await eventually(async () => handlers().entered.has(bookingId), 20_000);
      return { bookingId, release };
    },
    /** Everything published has reached the consumer (nothing ready in the queue). */
    delivered: () => eventually(async () => (await queueDepth(`${namespace}.probe.events`)) === 0 && (await unpublished()) === 0, 20_000),
  };
}
