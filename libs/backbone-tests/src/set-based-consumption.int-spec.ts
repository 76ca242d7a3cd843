import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { EventEnvelope } from '@tutorhub/contracts';
import { eventually, queueDepth, rawBroker } from '@tutorhub/testing';
import { AmqpConnection, handledChannel } from '@tutorhub/messaging';
import { batchingProbe } from './batching-probe';

/**
 * Set-based consumption (ADR 0022): a batch's events of a type with an @OnEventBatch handler
 * (the probe's `no_show`) are recorded in the inbox by one statement and handled by one call.
 * As in batched-consumption.int-spec.ts, one worker (event prefetch 8, batches of 8) is held inside a
 * `completed` handler (per-event) while the next deliveries line up; released, they go as one
 * batch. Exactly-once, per-event retry and dead-lettering must be what they are without it.
 */
describe('set-based event consumption (real RabbitMQ + Postgres)', () => {
  const probe = batchingProbe();
  const { ds, handlers, topology, completed, effectCounts, holdConsumer, delivered } = probe;
  /** Distinct commit transactions (the inbox's processed_at is the transaction's start) of these bookings' effects. */
  const transactionsOf = async (ids: string[]) =>
    (
      await ds().query(
        `SELECT DISTINCT processed_at FROM probe.inbox i JOIN probe.effects e ON e.event_id = i.event_id WHERE e.booking_id = ANY($1::uuid[])`,
        [ids],
      )
    ).length;
  const noShows = (ids: string[]) => ds().transaction(async (em) => Promise.all(ids.map((id) => handlers().emitNoShow(em, id))));

  /** The same message again, as a relay crash between confirm and commit would send it. */
  async function republish(envelope: EventEnvelope): Promise<void> {
    const conn = await rawBroker();
    try {
      const ch = await conn.createConfirmChannel();
      ch.publish(topology().eventsExchange, envelope.type, Buffer.from(JSON.stringify(envelope)), { persistent: true, messageId: envelope.id });
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
  }

  it('records and handles the events of one type in a batch with one call, in the batch transaction', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const calls = handlers().setCalls.length;
    // What read-your-writes hears: the run announces its keys in one NOTIFY.
    const listener = new Client({ connectionString: probe.db().url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => n.payload && payloads.push(n.payload));
    await listener.query(`LISTEN "${handledChannel('probe')}"`);
    try {
      const held = await holdConsumer();
      await noShows(ids);
      await delivered();
      held.release();

      await eventually(async () => (await effectCounts(ids)).size === ids.length, 30_000);
      const counts = await effectCounts([...ids, held.bookingId]);
      for (const id of [...ids, held.bookingId]) expect(counts.get(id)).toBe(1);
      expect(handlers().setCalls.slice(calls)).toEqual([ids.length]);
      expect(await transactionsOf(ids)).toBe(1);
      await eventually(async () => payloads.some((p) => p.includes(',')));
      expect(payloads.find((p) => p.includes(','))?.split(',').sort()).toEqual([...ids].sort());
    } finally {
      await listener.end();
    }
  });

  it('mixes a set run with per-event events of another type in one batch, out of their publication order', async () => {
    const sets = [randomUUID(), randomUUID(), randomUUID()];
    const singles = [randomUUID(), randomUUID()];
    const calls = handlers().setCalls.length;
    const held = await holdConsumer();
    // Published interleaved: no_show, completed, no_show, completed, no_show.
    await noShows([sets[0]]);
    await completed([singles[0]]);
    await noShows([sets[1]]);
    await completed([singles[1]]);
    await noShows([sets[2]]);
    await delivered();
    held.release();

    await eventually(async () => (await effectCounts([...sets, ...singles])).size === sets.length + singles.length, 30_000);
    const counts = await effectCounts([...sets, ...singles]);
    for (const id of [...sets, ...singles]) expect(counts.get(id)).toBe(1);
    // The three no_show events went through the set handler together, the others one by one,
    // all in the batch's one transaction.
    expect(handlers().setCalls.slice(calls)).toEqual([sets.length]);
    expect(await transactionsOf([...sets, ...singles])).toBe(1);
  });

  it('applies an event delivered twice in one batch, and again late in a later batch, once', async () => {
    const others = [randomUUID(), randomUUID()];
    const twice = randomUUID();
    const calls = handlers().setCalls.length;
    let held = await holdConsumer();
    const [envelope] = await noShows([twice]);
    await noShows(others);
    await republish(envelope);
    await delivered();
    held.release();
    await eventually(async () => (await effectCounts([twice, ...others])).size === others.length + 1, 30_000);
    await eventually(async () => (await queueDepth(probe.eventsQueue())) === 0);

    // Late: the same message once more, in a set run with two new events of its type.
    const later = [randomUUID(), randomUUID()];
    held = await holdConsumer();
    await republish(envelope);
    await noShows(later);
    await delivered();
    held.release();
    await eventually(async () => (await effectCounts(later)).size === later.length, 30_000);
    await eventually(async () => (await queueDepth(probe.eventsQueue())) === 0);

    const counts = await effectCounts([twice, ...others, ...later]);
    for (const id of [twice, ...others, ...later]) expect(counts.get(id)).toBe(1);
    const [inbox] = await ds().query(`SELECT count(*)::int AS n FROM probe.inbox WHERE event_id = $1`, [envelope.id]);
    expect(inbox.n).toBe(1);
    // The later set run handed only the two new events to the handler: the inbox statement
    // returned the copy as already seen.
    expect(handlers().setCalls.slice(calls)).toContain(later.length);
    expect(handlers().setCalls.slice(calls).every((n) => n <= others.length + 1)).toBe(true);
  });

  it('commits the rest of a set run when one event is poison; that one is retried alone and dead-lettered', async () => {
    const good = [randomUUID(), randomUUID(), randomUUID()];
    const poisoned = randomUUID();
    handlers().failuresLeft.set(poisoned, 1000);
    const dlqBefore = await queueDepth(topology().deadLetterQueue('probe'));
    const calls = handlers().setCalls.length;

    const held = await holdConsumer();
    await noShows([good[0], poisoned, good[1], good[2]]);
    await delivered();
    held.release();

    await eventually(async () => (await queueDepth(topology().deadLetterQueue('probe'))) === dlqBefore + 1, 30_000);
    const counts = await effectCounts([...good, poisoned]);
    for (const id of good) expect(counts.get(id)).toBe(1);
    // The failed set and every failed attempt were rolled back.
    expect(counts.get(poisoned)).toBeUndefined();
    // The set was tried once with all four; then each event went its own way.
    expect(handlers().setCalls.slice(calls)[0]).toBe(4);
    // Exactly the per-event attempts it gets without batches: maxAttempts (5) deliveries, then the DLQ.
    expect(1000 - handlers().failuresLeft.get(poisoned)!).toBe(5);
    // The good ones committed together, in the batch whose set failed.
    expect(await transactionsOf(good)).toBe(1);
  });

  it('loses nothing and doubles nothing when the connections die inside a set handler', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    let releaseSet!: () => void;
    handlers().gates.set(ids[1], new Promise<void>((r) => (releaseSet = r)));
    const held = await holdConsumer();
    await noShows(ids);
    await delivered();
    held.release();
    await eventually(async () => handlers().entered.has(ids[1]), 20_000);

    const [session] = await ds().query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
    );
    expect(session).toBeDefined();
    await ds().query(`SELECT pg_terminate_backend($1)`, [session.pid]);
    await probe.service().app.get(AmqpConnection).currentModel?.close();
    // Later deliveries of ids[1] pass its gate at once.
    handlers().gates.delete(ids[1]);
    releaseSet();

    await eventually(async () => (await effectCounts(ids)).size === ids.length, 60_000, 250);
    await eventually(async () => (await queueDepth(probe.eventsQueue())) === 0, 30_000);
    const counts = await effectCounts(ids);
    for (const id of ids) expect(counts.get(id)).toBe(1);
    const [inbox] = await ds().query(
      `SELECT count(*)::int AS n FROM probe.inbox i JOIN probe.effects e ON e.event_id = i.event_id WHERE e.booking_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(inbox.n).toBe(ids.length);
  });
});
