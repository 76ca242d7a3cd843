import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import type { DataSource } from 'typeorm';
import { NOTIFICATIONS_LIVE, NOTIFICATIONS_RESYNC, liveExchange, type LiveNotification } from '@tutorhub/contracts';
import { eventually, rawBroker } from '@tutorhub/testing';
import { deliver, envelope } from './events';

/**
 * Listens to the live feed (ADR 0018) as a gateway would: an exclusive queue on the namespace's
 * live exchange. `settled()` makes the forwarder announce one more notification and waits for
 * it: the feed is ordered, so everything committed before has been received by then.
 */
export class LiveTap {
  readonly items: LiveNotification[] = [];
  resyncs = 0;

  private constructor(private readonly conn: ChannelModel) {}

  static async open(namespace: string): Promise<LiveTap> {
    const conn = await rawBroker();
    const tap = new LiveTap(conn);
    const ch = await conn.createChannel();
    const exchange = liveExchange(namespace);
    await ch.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, exchange, NOTIFICATIONS_LIVE);
    await ch.bindQueue(queue, exchange, NOTIFICATIONS_RESYNC);
    await ch.consume(
      queue,
      (m) => {
        if (!m) return;
        if (m.fields.routingKey === NOTIFICATIONS_RESYNC) tap.resyncs++;
        else tap.items.push(...(JSON.parse(m.content.toString()) as { notifications: LiveNotification[] }).notifications);
      },
      { noAck: true },
    );
    return tap;
  }

  of(notificationId: string): LiveNotification[] {
    return this.items.filter((i) => i.notificationId === notificationId);
  }

  async settled(namespace: string, ds: DataSource): Promise<void> {
    const sentinel = envelope('payments.payout.succeeded.v1', { payoutId: randomUUID(), tutorId: randomUUID(), amount: { amountMinor: 100, currency: 'ETB' } });
    await deliver(namespace, ds, sentinel);
    const [row] = await ds.query(`SELECT id FROM notifications.notifications WHERE source_event_id = $1`, [sentinel.id]);
    await eventually(async () => this.of(row.id).length > 0);
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }
}
