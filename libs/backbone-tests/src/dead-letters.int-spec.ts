import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { OutboxRelay, Topology } from '@tutorhub/messaging';
import { expireSamples } from '@tutorhub/platform';
import { runDlqCommand } from '@tutorhub/service';
import { eventually, queueDepth, rawBroker, startTestService, testAmqpUrl, type TestService } from '@tutorhub/testing';
import { ProbeHandlers, probeMain, probeModule } from './probe-service';

// The outbox and dead-letter gauges behind the alerts, and the `dlq` admin command
// (docs/operations.md, "Alerts and runbooks" and "Dead-lettered messages"), against the real
// broker and database. The relay is driven by hand so an unpublished row stays unpublished.
jest.setTimeout(60_000);

let svc: TestService<unknown>;
let topology: Topology;

beforeAll(async () => {
  svc = await startTestService(probeMain, { module: (c) => probeModule(c as never, { relay: false }) });
  topology = new Topology(svc.namespace);
});
afterAll(async () => {
  await svc?.close();
});

const ds = () => svc.app.get(DataSource);
const handlers = () => svc.app.get(ProbeHandlers);
const effects = async (bookingId: string) =>
  Number((await ds().query(`SELECT count(*)::int AS n FROM probe.effects WHERE booking_id = $1`, [bookingId]))[0].n);

async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  expireSamples();
  const text = await (await fetch(`${svc.baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${wanted}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function dlq(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runDlqCommand('probe', { url: testAmqpUrl(), namespace: svc.namespace }, argv, (l) => lines.push(l));
  return { code, lines };
}

/** Deliveries the consumer found in its inbox already (acked without effect). */
async function duplicates(): Promise<number> {
  const metric = await register.getSingleMetric('events_consumed_total')?.get();
  return metric?.values.find((v) => v.labels.service === 'probe' && v.labels.outcome === 'duplicate')?.value ?? 0;
}


describe('outbox gauges', () => {
  it('show the age and number of unpublished rows, and drop to zero once the relay published them', async () => {
    const bookingId = randomUUID();
    const envelope = await ds().transaction((em) => handlers().emitCompleted(em, bookingId));
    await ds().query(`UPDATE probe.outbox SET created_at = now() - interval '5 minutes' WHERE id = $1`, [envelope.id]);
    expect(await metric('outbox_unpublished', { service: 'probe' })).toBe(1);
    expect(await metric('outbox_oldest_unpublished_seconds', { service: 'probe' })).toBeGreaterThanOrEqual(300);

    await svc.app.get(OutboxRelay).drain();
    expect(await metric('outbox_unpublished', { service: 'probe' })).toBe(0);
    expect(await metric('outbox_oldest_unpublished_seconds', { service: 'probe' })).toBe(0);
    await eventually(async () => (await effects(bookingId)) === 1);
  });
});

describe('dead-lettered messages', () => {
  const dlqLabels = () => ({ service: 'probe', queue: topology.deadLetterQueue('probe') });

  it('are counted, listed without being consumed, replayed once fixed with fresh retries and an audit line, and applied once', async () => {
    expect(await metric('dlq_messages', dlqLabels())).toBe(0);
    const bookingId = randomUUID();
    handlers().failuresLeft.set(bookingId, 1000); // a bug: every attempt fails
    const envelope = await ds().transaction((em) => handlers().emitCompleted(em, bookingId));
    await svc.app.get(OutboxRelay).drain();
    await eventually(async () => (await queueDepth(topology.deadLetterQueue('probe'))) === 1, 20000);
    expect(await metric('dlq_messages', dlqLabels())).toBe(1);
    expect(await effects(bookingId)).toBe(0);

    const listed = await dlq('list');
    expect(listed.code).toBe(0);
    expect(listed.lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ id: envelope.id, type: 'bookings.booking.completed.v1', reason: 'rejected', replays: 0 }),
    ]);
    const shown = await dlq('show', envelope.id);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.lines.join('\n'))).toMatchObject({
      id: envelope.id,
      originalRoutingKey: 'bookings.booking.completed.v1',
      body: { id: envelope.id, data: { bookingId } },
    });
    // Looking changed nothing.
    expect(await queueDepth(topology.deadLetterQueue('probe'))).toBe(1);

    // The fix is deployed, but the first attempts after it still fail (e.g. a cold cache): the
    // replayed message must get the full retry budget again, not be dead-lettered at once.
    handlers().failuresLeft.set(bookingId, 3);
    const auditFile = join(mkdtempSync(join(tmpdir(), 'dlq-audit-')), 'audit.log');
    const replayed = await dlq('replay', envelope.id, '--operator', 'alice', '--reason', 'fixed in 1.4.3', '--audit-file', auditFile);
    expect(replayed.code).toBe(0);
    await eventually(async () => (await effects(bookingId)) === 1, 20000);
    expect(handlers().failuresLeft.get(bookingId)).toBe(0);
    expect(await queueDepth(topology.deadLetterQueue('probe'))).toBe(0);
    expect(await metric('dlq_messages', dlqLabels())).toBe(0);
    const audit = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit).toEqual([
      expect.objectContaining({
        audit: 'dlq.replay',
        operator: 'alice',
        reason: 'fixed in 1.4.3',
        service: 'probe',
        id: envelope.id,
        from: topology.deadLetterQueue('probe'),
        to: topology.eventsQueue('probe'),
        replays: 1,
      }),
    ]);
    expect(Date.parse(audit[0].at)).not.toBeNaN();

    // A second copy of the same event in the DLQ (dead-lettered although its effect had
    // committed): replaying it is absorbed by the inbox.
    const conn = await rawBroker();
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(topology.deadLetterQueue('probe'), Buffer.from(JSON.stringify(envelope)), { persistent: true, messageId: envelope.id });
    await ch.waitForConfirms();
    await conn.close();
    const duplicatesBefore = await duplicates();
    expect((await dlq('replay', '--all', '--operator', 'alice')).code).toBe(0);
    await eventually(async () => (await duplicates()) === duplicatesBefore + 1, 20000);
    expect(await queueDepth(topology.deadLetterQueue('probe'))).toBe(0);
    expect(await effects(bookingId)).toBe(1);
    const [inbox] = await ds().query(`SELECT count(*)::int AS n FROM probe.inbox WHERE event_id = $1`, [envelope.id]);
    expect(inbox.n).toBe(1);
  });

  it('answers a usage error and a missing id with non-zero exit codes', async () => {
    expect((await dlq('replay')).code).toBe(64);
    expect((await dlq('frobnicate')).code).toBe(64);
    expect((await dlq('replay', randomUUID())).code).toBe(1);
    expect((await dlq('show', randomUUID())).code).toBe(1);
  });
});
