import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { DataSource } from 'typeorm';
import { envelopeSchema, eventDefinition, type EventEnvelope } from '@tutorhub/contracts';
import { counter, histogram, isTransientInfrastructureError, runWithContext } from '@tutorhub/platform';
import type { AmqpConnection } from './amqp-connection';
import type { DeliveryChaos } from './delivery-chaos';
import type { DiscoveredHandler } from './handler-discovery';
import { handledChannel } from './read-your-writes';
import type { Topology } from './topology';
import { SpanKind, extractTraceContext, failSpan, inSpan, messagingAttributes, startSpan, subjectAttributes } from './tracing';

const consumed = counter('events_consumed_total', 'Events taken off the service queue, by outcome', ['service', 'type', 'outcome']);
const handleSeconds = histogram('event_handle_seconds', 'Time to handle one event (transaction included)', ['service', 'type']);
const lagSeconds = histogram('event_lag_seconds', 'From the event being written (occurredAt) to its handler committing', ['service'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30]);

export interface ConsumerOptions {
  service: string;
  schema: string;
  prefetch: number;
  /** Deliveries of one message before it is dead-lettered (handler failures). */
  maxAttempts: number;
  retryDelayMs: number;
  /**
   * Events older than this (by occurredAt) are dead-lettered unhandled: their inbox id may
   * already have been pruned (INBOX_RETENTION_HOURS), so handling could repeat their effect.
   * Undefined = no limit.
   */
  maxEventAgeMs?: number;
  /** TEST ONLY (delivery-chaos.ts): delays, reorders and duplicates deliveries. Never in production. */
  chaos?: DeliveryChaos;
}

class Malformed extends Error {}

/** How long a message waits out a database outage in hand before the ordinary retry path applies. */
const TRANSIENT_WAIT_MS = 10 * 60_000;

/**
 * Consumes the service's events queue with manual acks.
 * - Malformed (not JSON, bad envelope, unknown type, invalid data): dead-lettered at once.
 * - Older than `maxEventAgeMs` (the inbox retention): dead-lettered at once (see tooOld).
 * - Handled: inbox insert + handler in one transaction, then ack. A duplicate finds its id in
 *   the inbox and is acked without effect.
 * - Handler failure: requeued after a short backoff until `maxAttempts`, then dead-lettered.
 * - Database unavailable (down, restarting, out of connections): the message is kept and the
 *   handler retried in place with backoff, without spending its delivery attempts.
 * Messages about the same booking (or user) are handled one at a time in arrival order, while
 * unrelated ones run concurrently up to the prefetch.
 */
export class EventConsumer {
  private readonly logger: Logger;
  private channel?: Channel;
  private consumerTag?: string;
  private queue = '';
  private readonly inFlight = new Set<Promise<void>>();
  private readonly chains = new Map<string, Promise<void>>();
  private stopping = false;
  lastHandledAt = 0;

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly topology: Topology,
    private readonly dataSource: DataSource,
    private readonly handlers: Map<string, DiscoveredHandler>,
    private readonly options: ConsumerOptions,
  ) {
    this.logger = new Logger(`Events:${options.service}`);
  }

  get routingKeys(): string[] {
    return [...this.handlers.keys()];
  }

  register(): void {
    if (this.handlers.size === 0) return;
    this.amqp.onConnect('events-consumer', (model) => this.setup(model));
  }

  private async setup(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    this.amqp.watch(model, ch, 'events');
    // Chaos holds messages back on purpose: more in hand lets later ones overtake them.
    await ch.prefetch(this.options.chaos ? this.options.chaos.settings.prefetch : this.options.prefetch);
    const queue = await this.topology.assertEventsQueue(ch, this.options.service, this.routingKeys, this.options.maxAttempts + 5);
    this.queue = queue;
    this.channel = ch;
    if (this.stopping) return;
    const { consumerTag } = await ch.consume(queue, (msg) => msg && this.track(this.dispatch(ch, msg)), { noAck: false });
    this.consumerTag = consumerTag;
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private dispatch(ch: Channel, msg: ConsumeMessage): Promise<void> {
    let envelope: EventEnvelope;
    try {
      envelope = this.parse(msg);
    } catch (err) {
      consumed.inc({ service: this.options.service, type: String(msg.fields.routingKey), outcome: 'malformed' });
      this.logger.warn(`dead-lettering malformed message ${msg.properties.messageId ?? ''} (${msg.fields.routingKey}): ${(err as Error).message}`);
      this.safe(() => ch.nack(msg, false, false));
      return Promise.resolve();
    }
    if (this.tooOld(envelope)) {
      // Only a late replay (DLQ) or a backlog of weeks gets here. The inbox may no longer know
      // this id, so handling it could repeat its effect: park it in the DLQ for the operator.
      consumed.inc({ service: this.options.service, type: envelope.type, outcome: 'too_old' });
      this.logger.error(
        `dead-lettering ${envelope.type} ${envelope.id}: occurred ${envelope.occurredAt}, older than the inbox retention allows (its duplicate check may be gone)`,
      );
      this.safe(() => ch.nack(msg, false, false));
      return Promise.resolve();
    }
    const inOrder = () => this.inKeyOrder(ch, msg, envelope);
    // --- test-only delivery chaos: the delay happens before the per-key chain, so that events
    // of the same booking are reordered too (delivery-chaos.ts). Off unless configured.
    if (this.options.chaos) return this.options.chaos.deliver(ch, this.queue, msg, inOrder);
    return inOrder();
  }

  /** Messages with one partition key are handled one at a time, in the order they get here. */
  private inKeyOrder(ch: Channel, msg: ConsumeMessage, envelope: EventEnvelope): Promise<void> {
    const key = partitionKey(envelope);
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.handle(ch, msg, envelope));
    this.chains.set(key, next);
    void next.finally(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  private tooOld(envelope: EventEnvelope): boolean {
    const max = this.options.maxEventAgeMs;
    return max !== undefined && Date.now() - Date.parse(envelope.occurredAt) > max;
  }

  private parse(msg: ConsumeMessage): EventEnvelope {
    let raw: unknown;
    try {
      raw = JSON.parse(msg.content.toString('utf8'));
    } catch {
      throw new Malformed('body is not JSON');
    }
    const env = envelopeSchema.safeParse(raw);
    if (!env.success) throw new Malformed(`bad envelope: ${env.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`);
    const def = eventDefinition(env.data.type);
    if (!def) throw new Malformed(`unknown event type ${env.data.type}`);
    if (!this.handlers.has(env.data.type)) throw new Malformed(`no handler for ${env.data.type}`);
    const data = def.schema.safeParse(env.data.data);
    if (!data.success) throw new Malformed(`invalid data: ${data.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`);
    return { ...env.data, data: data.data } as EventEnvelope;
  }

  /**
   * One consumer span per delivery, over every attempt. It links to the producer's span (the
   * `traceparent` the relay sent, which continues the trace stored with the outbox row) and is
   * also its child, so the event's handling shows inside the trace of the request that caused it.
   */
  private handle(ch: Channel, msg: ConsumeMessage, envelope: EventEnvelope): Promise<void> {
    const producer = extractTraceContext(msg.properties.headers);
    const span = startSpan(
      `${envelope.type} process`,
      SpanKind.CONSUMER,
      messagingAttributes(this.options.service, this.queue, 'process', {
        'messaging.message.id': envelope.id,
        'messaging.rabbitmq.destination.routing_key': envelope.type,
        'messaging.message.conversation_id': envelope.correlationId,
        ...subjectAttributes(envelope.data),
      }),
      producer,
      producer,
    );
    return inSpan(span, producer, async () => {
      const outcome = await this.attempt(ch, msg, envelope);
      span.setAttribute('tutorhub.outcome', outcome);
      if (outcome === 'retried' || outcome === 'dead_lettered') failSpan(span, new Error(`handler failed; ${outcome}`));
    });
  }

  private async attempt(ch: Channel, msg: ConsumeMessage, envelope: EventEnvelope): Promise<string> {
    // parse() dead-letters types without a handler, so one exists here.
    const handler = this.handlers.get(envelope.type) as DiscoveredHandler;
    const waitingSince = Date.now();
    for (let wait = 0; ; wait++) {
      const started = process.hrtime.bigint();
      try {
        const outcome = await runWithContext({ correlationId: envelope.correlationId, causationId: envelope.id }, () =>
          this.dataSource.transaction(async (em) => {
            // The same statement announces the event (delivered at commit) to requests waiting
            // for it on any replica: read-your-writes (read-your-writes.ts).
            const inserted: unknown[] = await em.query(
              `WITH ins AS (
                 INSERT INTO "${this.options.schema}".inbox (event_id, consumer, event_type) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING RETURNING event_id)
               SELECT event_id, pg_notify($4, $5) FROM ins`,
              [envelope.id, this.options.service, envelope.type, handledChannel(this.options.schema), readModelKey(envelope)],
            );
            if (inserted.length === 0) return 'duplicate' as const;
            await handler.invoke(envelope.data, { em, envelope });
            return 'handled' as const;
          }),
        );
        this.safe(() => ch.ack(msg));
        this.lastHandledAt = Date.now();
        consumed.inc({ service: this.options.service, type: envelope.type, outcome });
        handleSeconds.observe({ service: this.options.service, type: envelope.type }, Number(process.hrtime.bigint() - started) / 1e9);
        if (outcome === 'handled') lagSeconds.observe({ service: this.options.service }, Math.max(0, Date.now() - Date.parse(envelope.occurredAt)) / 1000);
        return outcome;
      } catch (err) {
        if (isTransientInfrastructureError(err)) {
          // The database failed, not the message (down, restarting, out of connections). A
          // requeue would spend one of the message's deliveries (x-delivery-count, and the
          // queue's delivery limit), so an outage longer than a few retries would dead-letter
          // valid events and lose their effects. Keep the message and wait the outage out.
          if (this.stopping) {
            this.safe(() => ch.nack(msg, false, true));
            return 'requeued';
          }
          if (Date.now() - waitingSince < TRANSIENT_WAIT_MS) {
            consumed.inc({ service: this.options.service, type: envelope.type, outcome: 'deferred' });
            if (wait % 20 === 0) this.logger.warn(`${handler.name} on ${envelope.type} ${envelope.id}: database unavailable (${(err as Error).message}); waiting`);
            await new Promise((r) => setTimeout(r, Math.min(5000, this.options.retryDelayMs * 2 ** Math.min(wait, 5))));
            continue;
          }
        }
        const attempts = Number(msg.properties.headers?.['x-delivery-count'] ?? 0) + 1;
        if (attempts >= this.options.maxAttempts) {
          consumed.inc({ service: this.options.service, type: envelope.type, outcome: 'dead_lettered' });
          this.logger.error(`${handler.name} failed ${attempts}x on ${envelope.type} ${envelope.id}; dead-lettering: ${(err as Error).stack ?? err}`);
          this.safe(() => ch.nack(msg, false, false));
          return 'dead_lettered';
        } else {
          consumed.inc({ service: this.options.service, type: envelope.type, outcome: 'retried' });
          this.logger.warn(`${handler.name} failed on ${envelope.type} ${envelope.id} (attempt ${attempts}): ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, this.options.retryDelayMs * attempts));
          this.safe(() => ch.nack(msg, false, true));
          return 'retried';
        }
      }
    }
  }

  /** An ack on a channel that died is meaningless (the broker redelivers); never let it crash us. */
  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.warn(`ack/nack on a closed channel: ${(err as Error).message}`);
    }
  }

  /** Stop taking new messages, then let the ones in hand finish (graceful shutdown). */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.channel && this.consumerTag) await this.channel.cancel(this.consumerTag).catch(() => undefined);
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, timeoutMs))]);
  }
}

/** Whom the event is about: its booking (or tutor, or user), the first of those it names. */
function subject(envelope: EventEnvelope): { field: string; id: string } | null {
  const data = envelope.data as Record<string, unknown>;
  for (const field of ['bookingId', 'tutorId', 'userId']) {
    const id = data[field];
    if (typeof id === 'string') return { field, id };
  }
  return null;
}

/** What a waiting request knows the event by: the id of whom it is about. */
function readModelKey(envelope: EventEnvelope): string {
  return subject(envelope)?.id ?? envelope.id;
}

function partitionKey(envelope: EventEnvelope): string {
  const s = subject(envelope);
  return s ? `${s.field}:${s.id}` : envelope.id;
}
