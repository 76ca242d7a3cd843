import { connect, type ChannelModel } from 'amqplib';
import type { Cluster, AppName } from './cluster';
import { http } from './http';

/**
 * Raw broker access for the suite: publish as a (bad or repeating) producer would, count queues.
 * `amqpUrl` may list every node of a cluster (the HA lab): the first that answers is used.
 */
export async function brokerConnection(cluster: Pick<Cluster, 'amqpUrl'>): Promise<ChannelModel> {
  const urls = cluster.amqpUrl.split(',').map((u) => u.trim()).filter(Boolean);
  let last: unknown;
  for (const url of urls) {
    try {
      return await connect(url);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

export const eventsExchange = (ns: string) => `${ns}.tutorhub.events`;
export const eventsQueue = (ns: string, service: string) => `${ns}.${service}.events`;
export const deadLetterQueue = (ns: string, service: string) => `${ns}.${service}.events.dlq`;

/** Ready messages in a queue (0 when it does not exist). */
export async function queueDepth(conn: ChannelModel, queue: string): Promise<number> {
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  try {
    return (await ch.checkQueue(queue)).messageCount;
  } catch {
    return 0;
  } finally {
    await ch.close().catch(() => undefined);
  }
}

/** Publishes with confirms, exactly as the outbox relay does (or as a confused producer might). */
export async function publishRaw(
  conn: ChannelModel,
  exchange: string,
  routingKey: string,
  body: Buffer | string,
  props: { messageId?: string; contentType?: string; type?: string; headers?: Record<string, unknown> } = {},
): Promise<void> {
  const ch = await conn.createConfirmChannel();
  try {
    ch.publish(exchange, routingKey, Buffer.isBuffer(body) ? body : Buffer.from(body), { persistent: true, contentType: 'application/json', ...props });
    await ch.waitForConfirms();
  } finally {
    await ch.close().catch(() => undefined);
  }
}

/** Sends straight to a queue (the default exchange), bypassing bindings: reaches any consumer. */
export async function sendToQueue(conn: ChannelModel, queue: string, body: Buffer | string, props: { messageId?: string; contentType?: string; type?: string } = {}): Promise<void> {
  const ch = await conn.createConfirmChannel();
  try {
    ch.sendToQueue(queue, Buffer.isBuffer(body) ? body : Buffer.from(body), { persistent: true, contentType: 'application/json', ...props });
    await ch.waitForConfirms();
  } finally {
    await ch.close().catch(() => undefined);
  }
}

/**
 * `events_consumed_total` of one instance, summed by outcome (`handled`, `duplicate`,
 * `malformed`, `retried`, `dead_lettered`): how the suite knows a consumer has taken a message
 * without waiting blindly.
 */
export async function consumedByOutcome(cluster: Cluster, app: AppName, index = 0): Promise<Record<string, number>> {
  const r = await http(cluster.url(app, index), 'GET', '/metrics', { timeoutMs: 5000 });
  if (r.status !== 200) throw new Error(`metrics of ${app}#${index}: ${r.status}`);
  const out: Record<string, number> = {};
  for (const line of r.text.split('\n')) {
    const m = /^events_consumed_total\{([^}]*)\}\s+([0-9.e+]+)/.exec(line);
    if (!m) continue;
    const outcome = /outcome="([^"]+)"/.exec(m[1])?.[1] ?? 'unknown';
    out[outcome] = (out[outcome] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Every dead-letter queue of the run is empty: no valid event was given up on. */
export async function deadLetterDepths(cluster: Cluster): Promise<Record<string, number>> {
  const conn = await brokerConnection(cluster);
  try {
    const out: Record<string, number> = {};
    for (const s of ['bookings', 'sessions', 'payments', 'notifications']) out[s] = await queueDepth(conn, deadLetterQueue(cluster.namespace, s));
    return out;
  } finally {
    await conn.close().catch(() => undefined);
  }
}
