import { Logger } from '@nestjs/common';
import { context, trace, type Context, type Span } from '@opentelemetry/api';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { DataSource, EntityManager } from 'typeorm';
import { envelopeSchema, eventDefinition, type EventEnvelope } from '@tutorhub/contracts';
import { counter, histogram, isTransientInfrastructureError, runWithContext } from '@tutorhub/platform';
import { deferStatement, preparedQuery } from '@tutorhub/persistence';
import type { AmqpConnection } from './amqp-connection';
import type { DeliveryChaos } from './delivery-chaos';
import type { DiscoveredHandler } from './handler-discovery';
import { handledChannel } from './read-your-writes';
import type { Topology } from './topology';
import { SpanKind, extractTraceContext, failSpan, inSpan, messagingAttributes, startSpan, subjectAttributes } from './tracing';

const consumed = counter('events_consumed_total', 'Events taken off the service queue, by outcome', ['service', 'type', 'outcome']);
const handleSeconds = histogram('event_handle_seconds', 'Time to handle one event (transaction included)', ['service', 'type']);
const lagSeconds = histogram('event_lag_seconds', 'From the event being written (occurredAt) to its handler committing', ['service'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30]);
const setRuns = counter('event_set_runs_total', 'Runs of events of one type handled by their set-based handler in a batch (ADR 0022), by outcome', ['service', 'type', 'outcome']);
const batchSizes = histogram('event_batch_size', 'Events handled per consumer transaction (1 = the single-event path)', ['service'], [1, 2, 4, 8, 16, 32, 64]);

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
  /**
   * Up to this many deliveries that are ready together are handled in one transaction, each in
   * its own savepoint (ADR 0019). 1 = one transaction per event. A lone delivery always takes
   * the single-event path, so batching happens only when deliveries queue up.
   */
  batchSize?: number;
  /**
   * Set-based handlers by event type (@OnEventBatch, ADR 0022): the events of such a type in
   * one batch are recorded and handled with one statement each instead of one per event.
   */
  batchHandlers?: Map<string, DiscoveredHandler>;
  /** TEST ONLY (delivery-chaos.ts): delays, reorders and duplicates deliveries. Never in production. */
  chaos?: DeliveryChaos;
}

class Malformed extends Error {}

/** A delivery whose per-key turn has come, waiting for a worker (batched consumption). */
interface Ready {
  ch: Channel;
  msg: ConsumeMessage;
  envelope: EventEnvelope;
  done: () => void;
}

type Outcome = 'handled' | 'duplicate';

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
 * - Under load (batchSize > 1), unrelated deliveries that are ready together share one
 *   transaction, one savepoint each; a failing one keeps its own retry/dead-letter path (handleBatch).
 *   Events of a type with a set-based handler (@OnEventBatch) share one savepoint, one inbox
 *   statement and one handler call; if that fails they fall back to one savepoint each (ADR 0022).
 */
export class EventConsumer {
  private readonly logger: Logger;
  private channel?: Channel;
  private consumerTag?: string;
  private queue = '';
  private readonly inFlight = new Set<Promise<void>>();
  private readonly chains = new Map<string, Promise<void>>();
  private stopping = false;
  /** Batched consumption: deliveries whose turn has come, and the workers taking them. */
  private readonly ready: Ready[] = [];
  private workers = 0;
  private startScheduled = false;
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
    const next = previous.then(() => (this.batchSize > 1 ? this.enqueue(ch, msg, envelope) : this.handle(ch, msg, envelope)));
    this.chains.set(key, next);
    void next.finally(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  private get batchSize(): number {
    return Math.max(1, this.options.batchSize ?? 1);
  }

  /**
   * Batched consumption (ADR 0019). A delivery joins `ready` when its key's turn comes, so one
   * batch never holds two events about the same booking: their order stays one at a time, and a
   * failing event cannot be overtaken by its successor. Workers are started on the next turn of
   * the event loop, so all deliveries that arrived in one socket read are seen together; a lone
   * one goes through the single-event path with no added wait. At most prefetch / batchSize
   * workers run, so under load deliveries queue up and batches fill.
   */
  private enqueue(ch: Channel, msg: ConsumeMessage, envelope: EventEnvelope): Promise<void> {
    return new Promise<void>((done) => {
      this.ready.push({ ch, msg, envelope, done });
      if (this.startScheduled) return;
      this.startScheduled = true;
      setImmediate(() => {
        this.startScheduled = false;
        const maxWorkers = Math.max(1, Math.ceil(this.options.prefetch / this.batchSize));
        const wanted = Math.min(maxWorkers - this.workers, Math.ceil(this.ready.length / this.batchSize));
        for (let i = 0; i < wanted; i++) void this.work();
      });
    });
  }

  private async work(): Promise<void> {
    this.workers++;
    try {
      for (let items = this.ready.splice(0, this.batchSize); items.length > 0; items = this.ready.splice(0, this.batchSize)) {
        if (items.length === 1) {
          await this.handle(items[0].ch, items[0].msg, items[0].envelope).finally(items[0].done);
          continue;
        }
        // Returns once the batch committed or failed; an event's follow-up (a retry's backoff,
        // the single-event path) continues without holding up the next batch.
        const followUps = await this.handleBatch(items);
        followUps.forEach((p, i) => void p.finally(items[i].done));
      }
    } finally {
      this.workers--;
    }
  }

  /**
   * Several events in one transaction, each in its own savepoint. An event whose handler
   * throws is rolled back to its savepoint alone, and after the others commit it takes the
   * step it would have taken alone: requeued after a backoff, or dead-lettered at the limit
   * (its delivery count is the broker's). If the batch fails as a whole (the database, the
   * commit), nothing was acked and every event takes the single-event path; the inbox absorbs
   * any that did commit. Acks go out only after the commit.
   */
  private async handleBatch(items: Ready[]): Promise<Array<Promise<void>>> {
    batchSizes.observe({ service: this.options.service }, items.length);
    const started = process.hrtime.bigint();
    const traced = items.map((item) => ({ item, ...this.eventSpan(item.msg, item.envelope) }));
    const outcomes = new Map<Ready, Outcome>();
    const failures = new Map<Ready, unknown>();
    let committed = false;
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const em = runner.manager;
      const savepoints = new Savepoints(em);
      for (const run of this.runs(traced)) {
        // Several events of one type with a set-based handler: one inbox statement and one
        // handler call for all of them, in one savepoint (ADR 0022). If that fails, each of
        // them takes the per-event path below, so a poison event is isolated as before.
        if (run.length > 1 && (await this.setBased(em, savepoints, run.map((r) => r.item), outcomes))) continue;
        for (const { item, span, producer } of run) {
          const savepoint = await savepoints.next();
          try {
            const outcome = await context.with(trace.setSpan(producer, span), () =>
              runWithContext({ correlationId: item.envelope.correlationId, causationId: item.envelope.id }, () => this.inboxAndHandler(em, item.envelope)),
            );
            outcomes.set(item, outcome);
          } catch (err) {
            // The database itself failing ends the batch; everything is retried on its own.
            if (isTransientInfrastructureError(err)) throw err;
            await em.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
            failures.set(item, err);
          }
        }
      }
      await runner.commitTransaction();
      committed = true;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      this.logger.warn(`batch of ${items.length} events failed as a whole (${(err as Error).message}); handling each on its own`);
    } finally {
      await runner.release().catch(() => undefined);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return traced.map(async ({ item, span, producer }) => {
      if (committed && failures.has(item)) {
        // Its handler failed: rolled back alone, and the step it would have taken alone.
        return this.finishSpan(span, () => this.failed(item.ch, item.msg, item.envelope, failures.get(item)));
      }
      const outcome = committed ? outcomes.get(item) : undefined;
      if (!outcome) {
        // The batch failed as a whole (the database, the commit): each event alone, on the
        // single-event path, which waits a database outage out without spending attempts.
        return this.finishSpan(span, () => context.with(trace.setSpan(producer, span), () => this.attempt(item.ch, item.msg, item.envelope)));
      }
      this.settled(item.ch, item.msg, item.envelope, outcome, seconds);
      return this.finishSpan(span, async () => outcome);
    });
  }

  /**
   * The batch split into runs, in batch order: the events of a type that has a set-based
   * handler (@OnEventBatch) form one run (several, or none, in the batch are about one subject:
   * the per-key chains keep those apart); every other event is a run of its own. Copies of one
   * event id are kept out of a set run (the inbox tells them apart one by one).
   */
  private runs<T extends { item: Ready }>(traced: T[]): T[][] {
    const runs: T[][] = [];
    const byType = new Map<string, T[]>();
    const ids = new Set<string>();
    for (const t of traced) {
      const type = t.item.envelope.type;
      if (!this.options.batchHandlers?.has(type) || ids.has(t.item.envelope.id)) {
        runs.push([t]);
        continue;
      }
      ids.add(t.item.envelope.id);
      let run = byType.get(type);
      if (!run) {
        run = [];
        byType.set(type, run);
        runs.push(run);
      }
      run.push(t);
    }
    return runs;
  }

  /**
   * Events of one type through its set-based handler, in one savepoint: ONE inbox insert
   * (`ON CONFLICT DO NOTHING RETURNING` the ids it had not seen) that also announces them for
   * read-your-writes in one NOTIFY, then ONE call of the handler with the new ones. Returns false, with the
   * savepoint rolled back, when the handler or the statement fails for any reason other than
   * the database itself: the caller then handles each event on the per-event path.
   */
  private async setBased(em: EntityManager, savepoints: Savepoints, run: Ready[], outcomes: Map<Ready, Outcome>): Promise<boolean> {
    const type = run[0].envelope.type;
    const handler = this.options.batchHandlers?.get(type) as DiscoveredHandler;
    const savepoint = await savepoints.next();
    try {
      const inserted = await preparedQuery<{ event_id: string }>(
        em,
        `inbox_set_${this.options.schema}`,
        // One NOTIFY for the run, its keys comma-separated (ReadYourWrites splits them).
        `WITH ins AS (
           INSERT INTO "${this.options.schema}".inbox (event_id, consumer, event_type)
           SELECT id, $2, $3 FROM unnest($1::uuid[]) AS id
           ON CONFLICT DO NOTHING RETURNING event_id
         ), announced AS (
           SELECT pg_notify($4, string_agg(DISTINCT k.key, ',')) FROM ins JOIN unnest($1::uuid[], $5::text[]) AS k(id, key) ON k.id = ins.event_id
         )
         SELECT event_id, (SELECT count(*) FROM announced) AS announced FROM ins`,
        [run.map((r) => r.envelope.id), this.options.service, type, handledChannel(this.options.schema), run.map((r) => readModelKey(r.envelope))],
      );
      const fresh = new Set(inserted.map((r) => r.event_id));
      const events = run.filter((r) => fresh.has(r.envelope.id)).map((r) => ({ data: r.envelope.data, envelope: r.envelope }));
      if (events.length > 0) await handler.invoke(events, { em });
      for (const r of run) outcomes.set(r, fresh.has(r.envelope.id) ? 'handled' : 'duplicate');
      setRuns.inc({ service: this.options.service, type, outcome: 'applied' });
      return true;
    } catch (err) {
      if (isTransientInfrastructureError(err)) throw err;
      await em.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      setRuns.inc({ service: this.options.service, type, outcome: 'fell_back' });
      this.logger.warn(`${handler.name} failed on ${run.length} ${type} events (${(err as Error).message}); handling each on its own`);
      return false;
    }
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
    const { span, producer } = this.eventSpan(msg, envelope);
    return inSpan(span, producer, async () => {
      const outcome = await this.attempt(ch, msg, envelope);
      span.setAttribute('tutorhub.outcome', outcome);
      if (outcome === 'retried' || outcome === 'dead_lettered') failSpan(span, new Error(`handler failed; ${outcome}`));
    });
  }

  private eventSpan(msg: ConsumeMessage, envelope: EventEnvelope): { span: Span; producer: Context } {
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
    return { span, producer };
  }

  private async finishSpan(span: Span, run: () => Promise<string>): Promise<void> {
    try {
      const outcome = await run();
      span.setAttribute('tutorhub.outcome', outcome);
      if (outcome === 'retried' || outcome === 'dead_lettered') failSpan(span, new Error(`handler failed; ${outcome}`));
    } catch (err) {
      failSpan(span, err);
    } finally {
      span.end();
    }
  }

  /**
   * The inbox insert, then the handler, on the caller's transaction. The same statement
   * announces the event (delivered at commit) to requests waiting for it on any replica:
   * read-your-writes (read-your-writes.ts). A prepared statement: it runs for every event.
   */
  private async inboxAndHandler(em: EntityManager, envelope: EventEnvelope): Promise<Outcome> {
    const handler = this.handlers.get(envelope.type) as DiscoveredHandler;
    const inserted = await preparedQuery(
      em,
      `inbox_${this.options.schema}`,
      `WITH ins AS (
         INSERT INTO "${this.options.schema}".inbox (event_id, consumer, event_type) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id)
       SELECT event_id, pg_notify($4, $5) FROM ins`,
      [envelope.id, this.options.service, envelope.type, handledChannel(this.options.schema), readModelKey(envelope)],
    );
    if (inserted.length === 0) return 'duplicate';
    await handler.invoke(envelope.data, { em, envelope });
    return 'handled';
  }

  /** After the commit: ack, and the metrics of a handled (or duplicate) event. */
  private settled(ch: Channel, msg: ConsumeMessage, envelope: EventEnvelope, outcome: Outcome, seconds: number): void {
    this.safe(() => ch.ack(msg));
    this.lastHandledAt = Date.now();
    consumed.inc({ service: this.options.service, type: envelope.type, outcome });
    handleSeconds.observe({ service: this.options.service, type: envelope.type }, seconds);
    if (outcome === 'handled') lagSeconds.observe({ service: this.options.service }, Math.max(0, Date.now() - Date.parse(envelope.occurredAt)) / 1000);
  }

  private async attempt(ch: Channel, msg: ConsumeMessage, envelope: EventEnvelope): Promise<string> {
    // parse() dead-letters types without a handler, so one exists here.
    const handler = this.handlers.get(envelope.type) as DiscoveredHandler;
    const waitingSince = Date.now();
    for (let wait = 0; ; wait++) {
      const started = process.hrtime.bigint();
      try {
        const outcome = await runWithContext({ correlationId: envelope.correlationId, causationId: envelope.id }, () =>
          this.dataSource.transaction((em) => this.inboxAndHandler(em, envelope)),
        );
        this.settled(ch, msg, envelope, outcome, Number(process.hrtime.bigint() - started) / 1e9);
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
        return this.failed(ch, msg, envelope, err);
      }
    }
  }

  /**
   * A handler failure (not the database's): requeued after a backoff until `maxAttempts`
   * deliveries, then dead-lettered. The same step whether the event ran alone or in a batch.
   */
  private async failed(ch: Channel, msg: ConsumeMessage, envelope: EventEnvelope, err: unknown): Promise<'retried' | 'dead_lettered'> {
    const handler = this.handlers.get(envelope.type) as DiscoveredHandler;
    const attempts = Number(msg.properties.headers?.['x-delivery-count'] ?? 0) + 1;
    if (attempts >= this.options.maxAttempts) {
      consumed.inc({ service: this.options.service, type: envelope.type, outcome: 'dead_lettered' });
      this.logger.error(`${handler.name} failed ${attempts}x on ${envelope.type} ${envelope.id}; dead-lettering: ${(err as Error).stack ?? err}`);
      this.safe(() => ch.nack(msg, false, false));
      return 'dead_lettered';
    }
    consumed.inc({ service: this.options.service, type: envelope.type, outcome: 'retried' });
    this.logger.warn(`${handler.name} failed on ${envelope.type} ${envelope.id} (attempt ${attempts}): ${(err as Error).message}`);
    await new Promise((r) => setTimeout(r, this.options.retryDelayMs * attempts));
    this.safe(() => ch.nack(msg, false, true));
    return 'retried';
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

/**
 * A batch's savepoints, one per event or set run. `RELEASE SAVEPOINT` of the previous one and
 * the next `SAVEPOINT` travel with the next statement, not in trips of their own
 * (pipelined-transactions.ts).
 */
class Savepoints {
  private count = 0;
  private previous?: string;

  constructor(private readonly em: EntityManager) {}

  async next(): Promise<string> {
    const name = `event_${this.count++}`;
    if (this.previous) await deferStatement(this.em, `RELEASE SAVEPOINT ${this.previous}`);
    await deferStatement(this.em, `SAVEPOINT ${name}`);
    this.previous = name;
    return name;
  }
}
