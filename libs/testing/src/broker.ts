import { connect, type ChannelModel } from 'amqplib';
import { testAmqpUrl } from './test-env';

/** A raw AMQP connection for tests that inspect or poke the broker directly. */
export async function rawBroker(): Promise<ChannelModel> {
  return connect(testAmqpUrl());
}

/** Messages ready in a queue of the test broker (not those delivered and unacknowledged). */
export async function queueDepth(queue: string): Promise<number> {
  const conn = await rawBroker();
  try {
    return (await (await conn.createChannel()).checkQueue(queue)).messageCount;
  } finally {
    await conn.close();
  }
}

/** Deletes every queue and exchange of a test namespace (best effort), on the test broker or another. */
export async function deleteNamespace(namespace: string, services: readonly string[], amqpUrl = testAmqpUrl()): Promise<void> {
  const conn = await connect(amqpUrl);
  try {
    for (const s of services) {
      for (const q of [`${namespace}.${s}.events`, `${namespace}.${s}.events.dlq`, `${namespace}.${s}.rpc.quorum`]) {
        const ch = await conn.createChannel();
        ch.on('error', () => undefined);
        await ch.deleteQueue(q).catch(() => undefined);
        await ch.close().catch(() => undefined);
      }
    }
    for (const x of [`${namespace}.tutorhub.events`, `${namespace}.tutorhub.dlx`, `${namespace}.tutorhub.live`]) {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      await ch.deleteExchange(x).catch(() => undefined);
      await ch.close().catch(() => undefined);
    }
  } finally {
    await conn.close();
  }
}

/** Polls until `fn` returns a truthy value or the deadline passes (for asynchronous effects). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 10000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Publishes real envelopes on a namespace's events exchange with confirms, as a producer's relay would. */
export async function publishEvents(namespace: string, ...envelopes: Array<{ id: string; type: string }>): Promise<void> {
  const conn = await rawBroker();
  try {
    const ch = await conn.createConfirmChannel();
    const exchange = namespace ? `${namespace}.tutorhub.events` : 'tutorhub.events';
    for (const e of envelopes) {
      ch.publish(exchange, e.type, Buffer.from(JSON.stringify(e)), { persistent: true, contentType: 'application/json', messageId: e.id });
    }
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}
