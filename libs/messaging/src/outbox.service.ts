import { randomUUID } from 'node:crypto';
import type { Attributes } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';
import { eventDefinition, type EventDataOf, type EventEnvelope, type EventType } from '@tutorhub/contracts';
import { currentContext } from '@tutorhub/platform';
import { preparedQuery } from '@tutorhub/persistence';
import { SpanKind, injectTraceContext, messagingAttributes, startSpan, subjectAttributes } from './tracing';

/**
 * Writes integration events into the service's outbox table inside the caller's transaction.
 * Nothing is ever published from memory: the relay publishes what committed. One event (`add`)
 * or many of one type in one statement (`addMany`) get the same envelope, validation and trace
 * context, so the relay and consumers cannot tell the difference.
 */
export class OutboxService {
  constructor(
    private readonly schema: string,
    private readonly producer: string,
  ) {}

  async add<K extends EventType>(em: EntityManager, type: K, data: EventDataOf<K>): Promise<EventEnvelope<EventDataOf<K>, K>> {
    const [envelope] = this.envelopes(type, [data], new Date());
    await this.insert(em, type, [envelope], { 'messaging.message.id': envelope.id, ...subjectAttributes(envelope.data) });
    return envelope;
  }

  /**
   * Many events of one type in ONE statement (the escrow release job emits one event per escrow
   * for thousands of escrows per batch). Returns how many were written.
   */
  async addMany<K extends EventType>(em: EntityManager, type: K, items: ReadonlyArray<EventDataOf<K>>, occurredAt: Date = new Date()): Promise<number> {
    if (items.length === 0) return 0;
    const envelopes = this.envelopes(type, items, occurredAt);
    // One producer span for the batch; every row carries its context.
    await this.insert(em, type, envelopes, { 'messaging.batch.message_count': envelopes.length });
    return envelopes.length;
  }

  private envelopes<K extends EventType>(type: K, items: ReadonlyArray<EventDataOf<K>>, occurredAt: Date): Array<EventEnvelope<EventDataOf<K>, K>> {
    const def = eventDefinition(type);
    if (!def) throw new Error(`Unknown event type ${type}`);
    const ctx = currentContext();
    return items.map((data) => ({
      id: randomUUID(),
      type,
      version: def.version,
      occurredAt: occurredAt.toISOString(),
      producer: this.producer,
      correlationId: ctx?.correlationId ?? randomUUID(),
      causationId: ctx?.causationId ?? null,
      // A producer bug must fail the transaction, not poison every consumer downstream.
      data: def.schema.parse(data) as EventDataOf<K>,
    }));
  }

  private async insert(em: EntityManager, type: EventType, envelopes: ReadonlyArray<EventEnvelope>, attributes: Attributes): Promise<void> {
    // The event's producer span belongs to the work that caused it (the request, RPC or event
    // being handled); its context is stored with the row so that the relay, publishing later
    // from another context, and then every consumer can link back to it.
    const span = startSpan(`${type} create`, SpanKind.PRODUCER, messagingAttributes(this.producer, type, 'create', attributes));
    const carrier = injectTraceContext(span);
    span.end();
    // A prepared statement: it runs with nearly every state change (ADR 0019).
    await preparedQuery(
      em,
      `outbox_insert_${this.schema}`,
      `INSERT INTO "${this.schema}".outbox (id, type, envelope, trace_context)
       SELECT id, $2, envelope, $4::jsonb FROM unnest($1::uuid[], $3::jsonb[]) AS x(id, envelope)`,
      [envelopes.map((e) => e.id), type, envelopes.map((e) => JSON.stringify(e)), Object.keys(carrier).length ? JSON.stringify(carrier) : null],
    );
  }
}
