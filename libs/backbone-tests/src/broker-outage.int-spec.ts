import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { eventually, startPrivateBroker, startTestService, type PrivateBroker, type TestService } from '@tutorhub/testing';
import { ProbeHandlers, probeMain } from './probe-service';

/**
 * Events written while RabbitMQ is down wait in the outbox and go out once it is back; the
 * connection heals by itself (no restart), and nothing is lost or applied twice. The broker is
 * a private node this test starts, stops and removes: never the machine's shared one.
 */
describe('broker outage (rabbitmqctl stop_app / start_app)', () => {
  let broker: PrivateBroker;
  let svc: TestService<unknown>;
  let down = false;

  beforeAll(async () => {
    broker = await startPrivateBroker();
    svc = await startTestService(probeMain, { amqpUrl: broker.amqpUrl });
  });
  afterAll(async () => {
    if (down) broker?.start();
    await svc?.close();
    await broker?.remove();
  });

  const emit = (bookingId: ReturnType<typeof randomUUID>) => svc.app.get(DataSource).transaction((em) => svc.app.get(ProbeHandlers).emitCompleted(em, bookingId));
  const effectCounts = async (ids: string[]) =>
    (await svc.app.get(DataSource).query(
      `SELECT booking_id, count(*)::int AS n FROM probe.effects WHERE booking_id = ANY($1::uuid[]) GROUP BY booking_id`,
      [ids],
    )) as Array<{ booking_id: string; n: number }>;

  it('loses no event written during the outage and applies each exactly once', async () => {
    const before = Array.from({ length: 20 }, () => randomUUID());
    await Promise.all(before.map(emit));
    await eventually(async () => (await effectCounts(before)).length === before.length, 20_000);

    broker.stop();
    down = true;
    const during = Array.from({ length: 30 }, () => randomUUID());
    try {
      // The state changes commit with the broker down: the outbox keeps their events.
      for (const id of during) await emit(id);
      const [pending] = await svc.app.get(DataSource).query(`SELECT count(*)::int AS n FROM probe.outbox WHERE published_at IS NULL`);
      expect(pending.n).toBeGreaterThanOrEqual(during.length);
    } finally {
      broker.start();
      down = false;
    }

    const all = [...before, ...during];
    await eventually(async () => (await effectCounts(all)).length === all.length, 60_000, 250);
    const counts = await effectCounts(all);
    expect(counts.every((c) => c.n === 1)).toBe(true);
    const [left] = await svc.app.get(DataSource).query(`SELECT count(*)::int AS n FROM probe.outbox WHERE published_at IS NULL`);
    expect(left.n).toBe(0);
  });
});
