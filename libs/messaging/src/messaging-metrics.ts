import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { sampledGauge } from '@tutorhub/platform';
import type { AmqpConnection } from './amqp-connection';
import type { Topology } from './topology';

// Read at scrape time (sampledGauge: cached, one reading in flight), so they tell the truth even
// when the code that should move them is stuck: a dead relay cannot report its own backlog.
const outboxOldest = sampledGauge(
  'outbox_oldest_unpublished_seconds',
  'Age of the oldest outbox row not yet published (0 when none): the relay is stuck or the broker refuses',
  ['service'],
);
const outboxUnpublished = sampledGauge(
  'outbox_unpublished',
  'Outbox rows not yet published (counted up to 100000)',
  ['service'],
);
const dlqMessages = sampledGauge(
  'dlq_messages',
  "Messages in the service's dead-letter queue (RabbitMQ's own count, ready messages)",
  ['service', 'queue'],
);

/** Counting stops here: past it the number only says "a lot", and counting would cost. */
const COUNT_CAP = 100_000;

/**
 * Registers the messaging gauges of one service: its outbox (age and size, from the partial
 * index `outbox_unpublished_idx`) and, when it consumes events, its dead-letter queue depth
 * (a passive `checkQueue` on a short-lived channel, so a missing queue cannot disturb the
 * channels the service works on).
 */
export class MessagingMetrics {
  private readonly logger = new Logger('MessagingMetrics');
  private readonly removers: Array<() => void> = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly amqp: AmqpConnection,
    private readonly topology: Topology,
    private readonly options: { service: string; schema: string },
  ) {}

  start(consumesEvents: boolean): void {
    const { service, schema } = this.options;
    let inFlight: Promise<{ age: number; n: number }> | undefined;
    // Both outbox gauges come from one query: a scrape collects them concurrently, so the second
    // sampler joins the first's reading while it is in flight.
    const outbox = () =>
      (inFlight ??= readOutbox().finally(() => {
        inFlight = undefined;
      }));
    const readOutbox = async () => {
      const [row] = (await this.dataSource.query(
        `SELECT (SELECT EXTRACT(EPOCH FROM clock_timestamp() - created_at)
                   FROM "${schema}".outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1) AS age,
                (SELECT count(*) FROM (SELECT 1 FROM "${schema}".outbox WHERE published_at IS NULL LIMIT ${COUNT_CAP}) x)::int AS n`,
      )) as Array<{ age: string | null; n: number }>;
      return { age: Math.max(0, Number(row.age ?? 0)), n: row.n };
    };
    this.removers.push(outboxOldest.add(async () => [{ labels: { service }, value: (await outbox()).age }]));
    this.removers.push(outboxUnpublished.add(async () => [{ labels: { service }, value: (await outbox()).n }]));
    if (consumesEvents) {
      const queue = this.topology.deadLetterQueue(service);
      this.removers.push(dlqMessages.add(async () => [{ labels: { service, queue }, value: await this.dlqDepth(queue) }]));
    }
  }

  stop(): void {
    this.removers.splice(0).forEach((remove) => remove());
  }

  private async dlqDepth(queue: string): Promise<number> {
    const model = this.amqp.currentModel;
    if (!model) throw new Error('broker unavailable');
    const ch = await model.createChannel();
    // A 404 (queue not declared yet) closes this channel only; never let it surface as an error event.
    ch.on('error', (err: Error) => this.logger.debug(`dlq check: ${err.message}`));
    try {
      const { messageCount } = await ch.checkQueue(queue);
      return messageCount;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}
