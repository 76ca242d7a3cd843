import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, deleteNamespace, eventually, queueDepth, rawBroker, startTestService, testNamespace, type TestDatabase, type TestService } from '@tutorhub/testing';
import { OutboxRelay, OutboxService, ReadYourWrites, RpcClient, RpcError, Topology } from '@tutorhub/messaging';
import { ProbeHandlers, probeMain } from './probe-service';

const actor = { userId: randomUUID(), role: 'student' as const };

describe('messaging backbone (real RabbitMQ + Postgres)', () => {
  let db: TestDatabase;
  let namespace: string;
  let a: TestService<unknown>;

  beforeAll(async () => {
    db = await createTestDatabase();
    namespace = testNamespace();
    a = await startTestService(probeMain, { db, namespace });
  });
  afterAll(async () => {
    await a?.close();
    // The namespace is this file's (passed to startTestService, which then leaves it): remove its queues.
    if (namespace) await deleteNamespace(namespace, ['probe']);
    await db?.drop();
  });

  const ds = () => a.app.get(DataSource);
  const effects = async (bookingId: string) =>
    Number((await ds().query(`SELECT count(*)::int AS n FROM probe.effects WHERE booking_id = $1`, [bookingId]))[0].n);

  it('answers RPC calls and carries the actor', async () => {
    const rpc = a.app.get(RpcClient);
    await expect(rpc.call('probe', 'probe.echo', { text: 'hi' }, { actor })).resolves.toEqual({ text: 'hi', actor });
  });

  it('maps service refusals, validation errors, crashes and unknown patterns to typed problems', async () => {
    const rpc = a.app.get(RpcClient);
    await expect(rpc.call('probe', 'probe.refuse', {}, { actor })).rejects.toMatchObject({ status: 409, code: 'probe.refused' });
    const invalid = (await rpc.call('probe', 'probe.echo', { text: 'far too long text', extra: 1 }, { actor }).catch((e: unknown) => e)) as RpcError;
    expect(invalid).toBeInstanceOf(RpcError);
    expect(invalid.problem).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(invalid.problem.errors?.length).toBeGreaterThan(0);
    const crash = (await rpc.call('probe', 'probe.crash', {}, { actor }).catch((e: unknown) => e)) as RpcError;
    expect(crash.problem).toEqual({ status: 500, code: 'internal_error', detail: 'An unexpected error occurred.' });
    await expect(rpc.call('probe', 'probe.nope', {}, { actor })).rejects.toMatchObject({ status: 404, code: 'rpc.unknown_pattern' });
  });

  it('times out with a 503 problem and fails fast for a service with no queue', async () => {
    const rpc = a.app.get(RpcClient);
    await expect(rpc.call('probe', 'probe.slow', { ms: 1500 }, { actor, timeoutMs: 200 })).rejects.toMatchObject({ status: 503, code: 'upstream.timeout' });
    await expect(rpc.call('nobody', 'nobody.x', {}, { actor, timeoutMs: 3000 })).rejects.toMatchObject({ status: 503, code: 'upstream.unavailable' });
  });

  // Read-your-writes (ADR 0006): a request waiting for an event is woken when a consumer handles
  // it (NOTIFY at commit), not by polling: it reads once before and once after the wake-up.
  it('wakes a request waiting for an event as soon as it is handled, and gives up at its bound', async () => {
    const rw = a.app.get(ReadYourWrites);
    await eventually(async () => rw.isListening);
    const bookingId = randomUUID();
    let reads = 0;
    const read = async () => {
      reads++;
      return (await effects(bookingId)) > 0 ? ('handled' as const) : undefined;
    };
    const waiting = rw.await(bookingId, read, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(reads).toBe(1);
    await ds().transaction((em) => a.app.get(ProbeHandlers).emitCompleted(em, bookingId));
    await expect(waiting).resolves.toBe('handled');
    expect(reads).toBe(2);

    // Nothing comes: one read before, one at the deadline, then undefined.
    let idle = 0;
    await expect(rw.await(randomUUID(), async () => void idle++, 300)).resolves.toBeUndefined();
    expect(idle).toBe(2);
  });

  it('delivers a committed event once in effect, even when the same message arrives twice', async () => {
    const bookingId = randomUUID();
    const envelope = await ds().transaction((em) => a.app.get(ProbeHandlers).emitCompleted(em, bookingId));
    await eventually(async () => (await effects(bookingId)) === 1);
    // Re-publish the very same message, as a relay crash between confirm and commit would.
    const conn = await rawBroker();
    const ch = await conn.createConfirmChannel();
    ch.publish(new Topology(namespace).eventsExchange, envelope.type, Buffer.from(JSON.stringify(envelope)), { persistent: true, messageId: envelope.id });
    await ch.waitForConfirms();
    await conn.close();
    await eventually(async () => {
      const [row] = await ds().query(`SELECT count(*)::int AS n FROM probe.inbox WHERE event_id = $1`, [envelope.id]);
      return row.n === 1;
    });
    // Give the duplicate every chance to be (wrongly) applied, then check one effect only.
    await a.app.get(OutboxRelay).drain();
    await eventually(async () => (await queueDepth(`${namespace}.probe.events`)) === 0);
    expect(await effects(bookingId)).toBe(1);
  });

  it('writes many events in one statement with the same envelope as one, and delivers each (OutboxService.addMany)', async () => {
    const outbox = a.app.get(OutboxService);
    const bookingIds = [randomUUID(), randomUUID(), randomUUID()];
    // A given time (recent: the consumer refuses events older than its inbox retention).
    const occurredAt = new Date(Date.now() - 60_000);
    const [written, single] = await ds().transaction(async (em) => [
      await outbox.addMany(
        em,
        'bookings.booking.completed.v1',
        bookingIds.map((bookingId) => ({ bookingId, studentId: randomUUID(), tutorId: randomUUID() })),
        occurredAt,
      ),
      await outbox.addMany(em, 'bookings.booking.completed.v1', []),
    ]);
    expect([written, single]).toEqual([3, 0]);
    const rows: Array<{ id: string; type: string; envelope: Record<string, unknown> }> = await ds().query(
      `SELECT id, type, envelope FROM probe.outbox WHERE envelope->'data'->>'bookingId' = ANY($1::text[])`,
      [bookingIds],
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.envelope).toMatchObject({ id: row.id, type: 'bookings.booking.completed.v1', version: 1, producer: 'probe', occurredAt: occurredAt.toISOString(), causationId: null });
      expect(row.envelope.correlationId).toEqual(expect.any(String));
    }
    for (const bookingId of bookingIds) await eventually(async () => (await effects(bookingId)) === 1);
    // A producer bug fails the whole batch (and with it the caller's transaction).
    await expect(
      ds().transaction((em) => outbox.addMany(em, 'bookings.booking.completed.v1', [{ bookingId: 'not-a-uuid' } as never])),
    ).rejects.toThrow();
  });

  it('publishes nothing for a rolled-back transaction', async () => {
    const bookingId = randomUUID();
    await expect(
      ds().transaction(async (em) => {
        await a.app.get(ProbeHandlers).emitCompleted(em, bookingId);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const [row] = await ds().query(`SELECT count(*)::int AS n FROM probe.outbox WHERE envelope->'data'->>'bookingId' = $1`, [bookingId]);
    expect(row.n).toBe(0);
    // A later event on the same queue is handled, and the rolled-back one never is.
    const later = randomUUID();
    await ds().transaction((em) => a.app.get(ProbeHandlers).emitCompleted(em, later));
    await eventually(async () => (await effects(later)) === 1);
    expect(await effects(bookingId)).toBe(0);
  });

  it('retries a failing handler a bounded number of times, then succeeds without a double effect', async () => {
    const bookingId = randomUUID();
    const handlers = a.app.get(ProbeHandlers);
    handlers.failuresLeft.set(bookingId, 2);
    await ds().transaction((em) => a.app.get(ProbeHandlers).emitCompleted(em, bookingId));
    await eventually(async () => (await effects(bookingId)) === 1, 15000);
    expect(handlers.failuresLeft.get(bookingId)).toBe(0);
    expect(await effects(bookingId)).toBe(1);
  });

  it('dead-letters a message whose handler keeps failing, after a bounded number of attempts', async () => {
    const bookingId = randomUUID();
    const handlers = a.app.get(ProbeHandlers);
    handlers.failuresLeft.set(bookingId, 1000);
    const topology = new Topology(namespace);
    const before = await queueDepth(topology.deadLetterQueue('probe'));
    await ds().transaction((em) => handlers.emitCompleted(em, bookingId));
    await eventually(async () => (await queueDepth(topology.deadLetterQueue('probe'))) === before + 1, 20000);
    expect(1000 - handlers.failuresLeft.get(bookingId)!).toBe(5);
    expect(await effects(bookingId)).toBe(0);
  });

  it('waits out a database outage without spending delivery attempts: more failures than the limit, still handled once', async () => {
    const bookingId = randomUUID();
    const handlers = a.app.get(ProbeHandlers);
    handlers.databaseDownLeft.set(bookingId, 6);
    const topology = new Topology(namespace);
    const before = await queueDepth(topology.deadLetterQueue('probe'));
    await ds().transaction((em) => handlers.emitCompleted(em, bookingId));
    await eventually(async () => (await effects(bookingId)) === 1, 30000);
    expect(handlers.databaseDownLeft.get(bookingId)).toBe(0);
    expect(await queueDepth(topology.deadLetterQueue('probe'))).toBe(before);
  });

  it('dead-letters a malformed message at once and keeps the queue flowing', async () => {
    const conn = await rawBroker();
    const ch = await conn.createConfirmChannel();
    const topology = new Topology(namespace);
    ch.publish(topology.eventsExchange, 'bookings.booking.completed.v1', Buffer.from('{not json'), { persistent: true });
    ch.publish(topology.eventsExchange, 'bookings.booking.completed.v1', Buffer.from(JSON.stringify({ id: randomUUID(), type: 'bookings.booking.completed.v1', data: {} })), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    await eventually(async () => (await queueDepth(topology.deadLetterQueue('probe'))) >= 2);
    const bookingId = randomUUID();
    await ds().transaction((em) => a.app.get(ProbeHandlers).emitCompleted(em, bookingId));
    await eventually(async () => (await effects(bookingId)) === 1);
  });

  it('survives its database connection being cut while it publishes a claimed batch, and still delivers every event', async () => {
    // The relay holds a pooled client, idle in its transaction, while the broker confirms the
    // batch: a connection cut then raises no query error, only an 'error' event on the client.
    // Unhandled, that ended the process (the HA lab's database failover found it).
    const bookingIds = Array.from({ length: 3000 }, () => randomUUID());
    await ds().transaction((em) =>
      a.app.get(OutboxService).addMany(
        em,
        'bookings.booking.completed.v1',
        bookingIds.map((bookingId) => ({ bookingId, studentId: randomUUID(), tutorId: randomUUID() })),
      ),
    );
    const killed = await eventually(
      async () => {
        const [row] = await ds().query(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'idle in transaction' AND query LIKE '%FROM "probe".outbox%FOR UPDATE SKIP LOCKED%'
            LIMIT 1`,
        );
        return row?.killed === true;
      },
      20000,
      1,
    );
    expect(killed).toBe(true);
    await eventually(async () => {
      const [row] = await ds().query(`SELECT count(DISTINCT booking_id)::int AS n FROM probe.effects WHERE booking_id = ANY($1::uuid[])`, [bookingIds]);
      return row.n === bookingIds.length;
    }, 60000);
    const [pending] = await ds().query(`SELECT count(*)::int AS n FROM probe.outbox WHERE published_at IS NULL`);
    expect(pending.n).toBe(0);
  });

  it('lets two relay instances run together without publishing a row twice', async () => {
    const b = await startTestService(probeMain, { db, namespace });
    try {
      const ids = Array.from({ length: 200 }, () => randomUUID());
      await Promise.all(
        ids.map((id, i) => (i % 2 ? b : a).app.get(DataSource).transaction((em) => (i % 2 ? b : a).app.get(ProbeHandlers).emitCompleted(em, id))),
      );
      await eventually(async () => {
        const [row] = await ds().query(`SELECT count(*)::int AS n FROM probe.effects WHERE booking_id = ANY($1::uuid[])`, [ids]);
        return row.n === ids.length;
      }, 20000);
      const [attempts] = await ds().query(`SELECT max(attempts)::int AS max, count(*) FILTER (WHERE published_at IS NULL)::int AS pending FROM probe.outbox`);
      expect(attempts).toEqual({ max: 1, pending: 0 });
      // Both consumers share the queue: the inbox still holds each event once.
      const [dupes] = await ds().query(`SELECT count(*)::int AS n FROM (SELECT event_id FROM probe.effects GROUP BY event_id HAVING count(*) > 1) d`);
      expect(dupes.n).toBe(0);
    } finally {
      await b.close();
    }
  });
});
