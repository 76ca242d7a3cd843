import { randomUUID } from 'node:crypto';
import { eventually, queueDepth, rawBroker } from '@tutorhub/testing';
import { AmqpConnection } from '@tutorhub/messaging';
import { batchingProbe } from './batching-probe';

/**
 * Batched consumption (ADR 0019): deliveries that are ready together share one transaction,
 * one savepoint each. With a prefetch of 8 and batches of 8 the consumer runs one worker, so a
 * delivery held inside its handler (a gate) lines the next ones up, and they go as one batch
 * when it is released. Exactly-once (the inbox), per-event retry and dead-lettering must be
 * what they are without batches.
 */
describe('batched event consumption (real RabbitMQ + Postgres)', () => {
  const probe = batchingProbe();
  const { ds, handlers, topology, completed: emitAll, effectCounts, holdConsumer, delivered } = probe;

  it('commits the rest of a batch when one event fails, and retries then dead-letters that one on its own', async () => {
    const good = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const poisoned = randomUUID();
    handlers().failuresLeft.set(poisoned, 1000);
    const dlqBefore = await queueDepth(topology().deadLetterQueue('probe'));

    const held = await holdConsumer();
    await emitAll([good[0], good[1], poisoned, good[2], good[3]]);
    await delivered();
    held.release();

    await eventually(async () => (await queueDepth(topology().deadLetterQueue('probe'))) === dlqBefore + 1, 30_000);
    const counts = await effectCounts([...good, poisoned, held.bookingId]);
    for (const id of [...good, held.bookingId]) expect(counts.get(id)).toBe(1);
    // Its failed attempts were rolled back, each one alone.
    expect(counts.get(poisoned)).toBeUndefined();
    // Exactly the attempts it gets without batches: maxAttempts (5) deliveries, then the DLQ.
    expect(1000 - handlers().failuresLeft.get(poisoned)!).toBe(5);
    // The four good ones committed in one transaction (now() is the transaction's start).
    const inbox: Array<{ at: string }> = await ds().query(
      `SELECT DISTINCT processed_at::text AS at FROM probe.inbox i JOIN probe.effects e ON e.event_id = i.event_id WHERE e.booking_id = ANY($1::uuid[])`,
      [good],
    );
    expect(inbox).toHaveLength(1);
  });

  it('applies two copies of one message, delivered together with others, once', async () => {
    const others = [randomUUID(), randomUUID(), randomUUID()];
    const twice = randomUUID();
    const held = await holdConsumer();
    const [envelope] = await emitAll([twice]);
    await emitAll(others);
    // The same message again, as a relay crash between confirm and commit would send it.
    const conn = await rawBroker();
    const ch = await conn.createConfirmChannel();
    ch.publish(topology().eventsExchange, envelope.type, Buffer.from(JSON.stringify(envelope)), { persistent: true, messageId: envelope.id });
    await ch.waitForConfirms();
    await conn.close();
    await delivered();
    held.release();

    await eventually(async () => (await effectCounts([twice, ...others])).size === others.length + 1, 30_000);
    await eventually(async () => (await queueDepth(probe.eventsQueue())) === 0);
    const counts = await effectCounts([twice, ...others, held.bookingId]);
    for (const id of [twice, ...others, held.bookingId]) expect(counts.get(id)).toBe(1);
    const [inbox] = await ds().query(`SELECT count(*)::int AS n FROM probe.inbox WHERE event_id = $1`, [envelope.id]);
    expect(inbox.n).toBe(1);
  });

  it('loses nothing and doubles nothing when the connections die in the middle of a batch', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const middle = ids[2];
    let releaseMiddle!: () => void;
    handlers().gates.set(middle, new Promise<void>((r) => (releaseMiddle = r)));
    const held = await holdConsumer();
    await emitAll(ids);
    await delivered();
    held.release();
    // The batch has run the first two events and is inside the third one's handler.
    await eventually(async () => handlers().entered.has(middle), 20_000);

    // The crash: the batch's database session and the consumer's broker connection both die,
    // its transaction with them; the broker hands the unacked deliveries out again.
    const [session] = await ds().query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
    );
    expect(session).toBeDefined();
    await ds().query(`SELECT pg_terminate_backend($1)`, [session.pid]);
    await probe.service().app.get(AmqpConnection).currentModel?.close();
    releaseMiddle();

    await eventually(async () => (await effectCounts(ids)).size === ids.length, 60_000, 250);
    await eventually(async () => (await queueDepth(probe.eventsQueue())) === 0, 30_000);
    const counts = await effectCounts([...ids, held.bookingId]);
    for (const id of [...ids, held.bookingId]) expect(counts.get(id)).toBe(1);
    const [inbox] = await ds().query(
      `SELECT count(*)::int AS n FROM probe.inbox i JOIN probe.effects e ON e.event_id = i.event_id WHERE e.booking_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(inbox.n).toBe(ids.length);
  });
});
