import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { Client } from 'pg';

export interface PgCeiling {
  clients: number;
  seconds: number;
  commits: number;
  commitsPerSecond: number;
}

/**
 * Raw Postgres single-row commit rate: `clients` connections each INSERT one row at a time in
 * autocommit (one fsync'd commit per row, as synchronous_commit is on) into a scratch table of
 * the bench database, for `seconds`; the table is dropped afterwards.
 */
export async function postgresCeiling(databaseUrl: string, clients: number, seconds: number): Promise<PgCeiling> {
  const table = `bench_ceiling_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: databaseUrl, application_name: 'bench-ceiling' });
  await admin.connect();
  try {
    await admin.query(`CREATE TABLE public.${table} (id bigserial PRIMARY KEY, client int NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
    // The server's connections are shared with everyone on the machine: when one of these fails
    // ("too many clients"), close the ones that did connect, or they outlive the run and the
    // database drop at the end terminates them under the bench's feet.
    const attempts = await Promise.allSettled(
      Array.from({ length: clients }, async () => {
        const c = new Client({ connectionString: databaseUrl, application_name: 'bench-ceiling' });
        c.on('error', () => undefined);
        await c.connect();
        return c;
      }),
    );
    const conns = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    const refused = attempts.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (refused) {
      await Promise.all(conns.map((c) => c.end().catch(() => undefined)));
      throw refused.reason;
    }
    const payload = 'x'.repeat(100);
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const counts = await Promise.all(
      conns.map(async (c, i) => {
        let n = 0;
        while (performance.now() < deadline) {
          await c.query(`INSERT INTO public.${table} (client, payload) VALUES ($1, $2)`, [i, payload]);
          n++;
        }
        return n;
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    await Promise.all(conns.map((c) => c.end()));
    const commits = counts.reduce((a, b) => a + b, 0);
    return { clients, seconds: Math.round(elapsed * 100) / 100, commits, commitsPerSecond: Math.round(commits / elapsed) };
  } finally {
    await admin.query(`DROP TABLE IF EXISTS public.${table}`).catch(() => undefined);
    await admin.end();
  }
}

export interface RabbitCeiling {
  seconds: number;
  confirmed: number;
  confirmedPublishPerSecond: number;
  window: number;
  messageBytes: number;
}

/**
 * Raw RabbitMQ persistent, confirmed publish rate to a quorum queue: one confirm channel keeps up
 * to `window` unconfirmed messages in flight (envelope-sized JSON bodies, persistent), for
 * `seconds`; then the queue is deleted.
 */
export async function rabbitCeiling(amqpUrl: string, namespace: string, seconds: number, window = 1000): Promise<RabbitCeiling> {
  const conn = await connect(amqpUrl);
  const queue = `${namespace}.bench.ceiling`;
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const body = Buffer.from(
      JSON.stringify({
        id: randomUUID(),
        type: 'payments.escrow.released.v1',
        version: 1,
        occurredAt: new Date().toISOString(),
        producer: 'payments',
        correlationId: randomUUID(),
        causationId: null,
        data: { escrowId: randomUUID(), bookingId: randomUUID(), studentId: randomUUID(), tutorId: randomUUID(), tutorAmount: { amountMinor: 42500, currency: 'ETB' }, platformFee: { amountMinor: 7500, currency: 'ETB' } },
      }),
    );
    let confirmed = 0;
    let failed = 0;
    let inFlight = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (inFlight < window && performance.now() < deadline) {
          inFlight++;
          ch.publish('', queue, body, { persistent: true, contentType: 'application/json', messageId: randomUUID() }, (err) => {
            inFlight--;
            if (err) failed++;
            else confirmed++;
            if (performance.now() < deadline) setImmediate(pump);
            else if (inFlight === 0) resolve();
          });
        }
      };
      ch.on('error', reject);
      pump();
    });
    const elapsed = (performance.now() - started) / 1000;
    if (failed > 0) throw new Error(`${failed} publishes were nacked`);
    await ch.deleteQueue(queue);
    await ch.close();
    return { seconds: Math.round(elapsed * 100) / 100, confirmed, confirmedPublishPerSecond: Math.round(confirmed / elapsed), window, messageBytes: body.length };
  } finally {
    await conn.close().catch(() => undefined);
  }
}
