import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { eventDefinition, type EventDataOf, type EventEnvelope, type EventType } from '@tutorhub/contracts';
import { Topology } from '@tutorhub/messaging';
import { eventually, publishEvents, rawBroker } from '@tutorhub/testing';

/** A real envelope, as a producer's outbox relay would publish it. */
export function envelope<K extends EventType>(type: K, data: EventDataOf<K>, id: string = randomUUID()): EventEnvelope<EventDataOf<K>, K> {
  const def = eventDefinition(type);
  if (!def) throw new Error(`unknown event type ${type}`);
  return {
    id,
    type,
    version: def.version,
    occurredAt: new Date().toISOString(),
    producer: def.producer,
    correlationId: randomUUID(),
    causationId: null,
    data: def.schema.parse(data) as EventDataOf<K>,
  };
}

/** Publishes envelopes to the namespace's events exchange with publisher confirms. */
export async function publish(namespace: string, ...envelopes: EventEnvelope[]): Promise<void> {
  await publishEvents(namespace, ...envelopes);
}

/** Waits until the service has consumed (committed) every given envelope. */
export async function consumed(ds: DataSource, ...envelopes: EventEnvelope[]): Promise<void> {
  const ids = envelopes.map((e) => e.id);
  await eventually(async () => {
    const [row] = await ds.query(`SELECT count(*)::int AS n FROM notifications.inbox WHERE event_id = ANY($1::uuid[])`, [ids]);
    return row.n === ids.length;
  });
}

/** Publishes and waits until handled. */
export async function deliver(namespace: string, ds: DataSource, ...envelopes: EventEnvelope[]): Promise<void> {
  await publish(namespace, ...envelopes);
  await consumed(ds, ...envelopes);
}

/** Waits until the service's events queue exists and is consumed, so published events are not lost. */
export async function queueReady(namespace: string): Promise<void> {
  const queue = new Topology(namespace).eventsQueue('notifications');
  await eventually(async () => {
    const conn = await rawBroker();
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      const { consumerCount } = await ch.checkQueue(queue);
      return consumerCount > 0;
    } catch {
      return false;
    } finally {
      await conn.close().catch(() => undefined);
    }
  });
}

export interface NotificationRow {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  dedupe_key: string;
  source_event_id: string | null;
  created_at: Date;
  read_at: Date | null;
}

export async function notificationsFor(ds: DataSource, dedupeKeyPrefix: string): Promise<NotificationRow[]> {
  return ds.query(`SELECT * FROM notifications.notifications WHERE dedupe_key LIKE $1 ORDER BY seq`, [`${dedupeKeyPrefix}%`]);
}
