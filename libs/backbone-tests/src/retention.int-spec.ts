import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { eventDefinition, type EventEnvelope } from '@tutorhub/contracts';
import { Topology } from '@tutorhub/messaging';
import { MessagingRetentionJob } from '@tutorhub/service';
import { createTestDatabase, deleteNamespace, eventually, publishEvents, queueDepth, startTestService, testNamespace, type TestDatabase, type TestService } from '@tutorhub/testing';
import { probeMain, probeModule, type probeConfigSchema } from './probe-service';
import type { z } from 'zod';

/**
 * Retention of the messaging tables (docs/operations.md "Data retention"), on the probe service:
 * the service kit registers the pruning job for every service, so the probe has it without a
 * line of its own. Rows are placed in time with explicit timestamps (the job compares with the
 * database's now(), as the relay and consumer stamp them). Defaults: outbox 168 h, inbox 720 h.
 */
const DAY = 86_400_000;

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = register.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}
const deletedMetric = (table: string) => metric('retention_rows_deleted_total', { table });

function completed(occurredAt: Date, bookingId = randomUUID()): EventEnvelope {
  const type = 'bookings.booking.completed.v1';
  return {
    id: randomUUID(),
    type,
    version: eventDefinition(type)!.version,
    occurredAt: occurredAt.toISOString(),
    producer: 'bookings',
    correlationId: randomUUID(),
    causationId: null,
    data: { bookingId, studentId: randomUUID(), tutorId: randomUUID() },
  };
}


type ProbeConfig = z.output<typeof probeConfigSchema>;

describe('messaging retention (real Postgres + RabbitMQ)', () => {
  let db: TestDatabase;
  let namespace: string;
  let a: TestService<ProbeConfig>;
  let b: TestService<ProbeConfig>;
  const ds = () => a.app.get(DataSource);
  const env = { PRUNE_BATCH_SIZE: '50' };

  beforeAll(async () => {
    db = await createTestDatabase();
    namespace = testNamespace();
    // The relay is off: these tests write outbox rows by hand that must never be published.
    const module = (c: unknown) => probeModule(c as ProbeConfig, { relay: false });
    a = await startTestService(probeMain, { db, namespace, env, module });
    b = await startTestService(probeMain, { db, namespace, env, module });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    // The namespace is this file's (passed to startTestService, which then leaves it): remove its queues.
    if (namespace) await deleteNamespace(namespace, ['probe']);
    await db?.drop();
  });

  const outboxRow = (published: string | null, created = 'now()') =>
    ds()
      .query(
        `INSERT INTO probe.outbox (id, type, envelope, created_at, published_at) VALUES ($1, 'x', '{}', ${created}, ${published ?? 'NULL'}) RETURNING id`,
        [randomUUID()],
      )
      .then((r: Array<{ id: string }>) => r[0]!.id);
  const inboxRow = async (processed: string, eventId: string = randomUUID()) => {
    await ds().query(`INSERT INTO probe.inbox (event_id, consumer, event_type, processed_at) VALUES ($1, 'probe', 'x', ${processed})`, [eventId]);
    return eventId;
  };
  const left = async (table: 'outbox' | 'inbox', ids: string[]) =>
    (await ds().query(`SELECT ${table === 'outbox' ? 'id' : 'event_id'} AS id FROM probe.${table} WHERE ${table === 'outbox' ? 'id' : 'event_id'} = ANY($1::uuid[])`, [ids]))
      .map((r: { id: string }) => r.id)
      .sort();

  it('removes only what is due: published outbox rows past 7 days and inbox ids past 30 days; never an unpublished row', async () => {
    const outboxDue = await outboxRow(`now() - interval '7 days 1 minute'`, `now() - interval '8 days'`);
    const outboxKept = await outboxRow(`now() - interval '6 days 23 hours'`, `now() - interval '8 days'`);
    // Owed to the other services: kept whatever its age.
    const unpublished = await outboxRow(null, `now() - interval '400 days'`);
    const inboxDue = await inboxRow(`now() - interval '30 days 1 minute'`);
    const inboxKept = await inboxRow(`now() - interval '29 days 23 hours'`);
    const before = { outbox: await deletedMetric('probe.outbox'), inbox: await deletedMetric('probe.inbox') };

    await expect(a.app.get(MessagingRetentionJob).runOnce()).resolves.toEqual({ outbox: 1, inbox: 1 });

    expect(await left('outbox', [outboxDue, outboxKept, unpublished])).toEqual([outboxKept, unpublished].sort());
    expect(await left('inbox', [inboxDue, inboxKept])).toEqual([inboxKept]);
    expect(await deletedMetric('probe.outbox')).toBe(before.outbox + 1);
    expect(await deletedMetric('probe.inbox')).toBe(before.inbox + 1);
    // Nothing more is due: a second pass deletes nothing.
    await expect(a.app.get(MessagingRetentionJob).runOnce()).resolves.toEqual({ outbox: 0, inbox: 0 });
  });

  it('lets two replicas (and a second pass on one of them) prune at once, without failing or counting a row twice', async () => {
    await ds().query(
      `INSERT INTO probe.outbox (id, type, envelope, created_at, published_at)
       SELECT gen_random_uuid(), 'x', '{}', now() - interval '20 days', now() - interval '10 days' FROM generate_series(1, 730)`,
    );
    await ds().query(
      `INSERT INTO probe.inbox (event_id, consumer, event_type, processed_at)
       SELECT gen_random_uuid(), 'probe', 'x', now() - interval '40 days' FROM generate_series(1, 1210)`,
    );
    const before = { outbox: await deletedMetric('probe.outbox'), inbox: await deletedMetric('probe.inbox') };

    const runs = await Promise.all([a, b, a].map((s) => s.app.get(MessagingRetentionJob).runOnce()));

    expect(runs.reduce((n, r) => n + r.outbox, 0)).toBe(730);
    expect(runs.reduce((n, r) => n + r.inbox, 0)).toBe(1210);
    expect(await deletedMetric('probe.outbox')).toBe(before.outbox + 730);
    expect(await deletedMetric('probe.inbox')).toBe(before.inbox + 1210);
    const [due] = await ds().query(
      `SELECT (SELECT count(*)::int FROM probe.outbox WHERE published_at < now() - interval '7 days') AS outbox,
              (SELECT count(*)::int FROM probe.inbox WHERE processed_at < now() - interval '30 days') AS inbox`,
    );
    expect(due).toEqual({ outbox: 0, inbox: 0 });
  });

  describe('a redelivery after its inbox id was pruned', () => {
    const topology = () => new Topology(namespace);
    const effects = async (bookingId: string) =>
      Number((await ds().query(`SELECT count(*)::int AS n FROM probe.effects WHERE booking_id = $1`, [bookingId]))[0].n);
    /** What handling `e` at `at` left behind: its effect and its inbox id (the probe handler writes one effect row per handling). */
    const handledAt = async (e: EventEnvelope, at: string) => {
      await ds().query(`INSERT INTO probe.effects (event_id, booking_id, at) VALUES ($1, $2, ${at})`, [e.id, (e.data as { bookingId: string }).bookingId]);
      await inboxRow(at, e.id);
    };

    it('is refused (dead-lettered, no second effect) when the event is older than the inbox retention', async () => {
      const old = completed(new Date(Date.now() - 31 * DAY));
      const bookingId = (old.data as { bookingId: string }).bookingId;
      await handledAt(old, `now() - interval '31 days'`);
      await a.app.get(MessagingRetentionJob).runOnce();
      expect(await left('inbox', [old.id])).toEqual([]);
      const dlq = await queueDepth(topology().deadLetterQueue('probe'));
      const tooOld = await metric('events_consumed_total', { service: 'probe', outcome: 'too_old' });

      await publishEvents(namespace, old);

      await eventually(async () => (await queueDepth(topology().deadLetterQueue('probe'))) === dlq + 1);
      expect(await metric('events_consumed_total', { service: 'probe', outcome: 'too_old' })).toBe(tooOld + 1);
      expect(await effects(bookingId)).toBe(1);
      expect(await left('inbox', [old.id])).toEqual([]);
    });

    it('control: the probe handler itself is not idempotent, so without the inbox id a recent event takes effect twice', async () => {
      // Why the age guard matters: this is what a pruned inbox id would allow for an event the
      // consumer still accepted. A fresh event whose inbox row is gone is handled again.
      const recent = completed(new Date(Date.now() - 29 * DAY));
      const bookingId = (recent.data as { bookingId: string }).bookingId;
      await handledAt(recent, `now() - interval '29 days'`);
      await a.app.get(MessagingRetentionJob).runOnce();
      expect(await left('inbox', [recent.id])).toEqual([recent.id]); // within retention: kept

      const duplicates = await metric('events_consumed_total', { service: 'probe', outcome: 'duplicate' });
      await publishEvents(namespace, recent);
      await eventually(async () => (await metric('events_consumed_total', { service: 'probe', outcome: 'duplicate' })) === duplicates + 1);
      expect(await effects(bookingId)).toBe(1); // the kept inbox id absorbed it

      await ds().query(`DELETE FROM probe.inbox WHERE event_id = $1`, [recent.id]);
      await publishEvents(namespace, recent);
      await eventually(async () => (await effects(bookingId)) === 2);
    });
  });
});
