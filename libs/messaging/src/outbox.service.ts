import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { eventDefinition, type EventDataOf, type EventEnvelope, type EventType } from '@tutorhub/contracts';
import { currentContext } from '@tutorhub/platform';
import { SpanKind, injectTraceContext, messagingAttributes, startSpan, subjectAttributes } from './tracing';

/**
 * Writes integration events into the service's outbox table inside the caller's transaction.
 * Nothing is ever published from memory: the relay publishes what committed.
 */
export class OutboxService {
  constructor(
    private readonly schema: string,
    private readonly producer: string,
  ) {}

  async add<K extends EventType>(em: EntityManager, type: K, data: EventDataOf<K>): Promise<EventEnvelope<EventDataOf<K>, K>> {
    const def = eventDefinition(type);
    if (!def) throw new Error(`Unknown event type ${type}`);
    // A producer bug must fail the transaction, not poison every consumer downstream.
    const parsed = def.schema.parse(data) as EventDataOf<K>;
    const ctx = currentContext();
    const envelope: EventEnvelope<EventDataOf<K>, K> = {
      id: randomUUID(),
      type,
      version: def.version,
      occurredAt: new Date().toISOString(),
      producer: this.producer,
      correlationId: ctx?.correlationId ?? randomUUID(),
      causationId: ctx?.causationId ?? null,
      data: parsed,
    };
    // The event's producer span belongs to the work that caused it (the request, RPC or event
    // being handled); its context is stored with the row so that the relay, publishing later
    // from another context, and then every consumer can link back to it.
    const span = startSpan(`${type} create`, SpanKind.PRODUCER, messagingAttributes(this.producer, type, 'create', { 'messaging.message.id': envelope.id, ...subjectAttributes(parsed) }));
    const carrier = injectTraceContext(span);
    span.end();
    await em.query(`INSERT INTO "${this.schema}".outbox (id, type, envelope, trace_context) VALUES ($1, $2, $3, $4)`, [
      envelope.id,
      type,
      JSON.stringify(envelope),
      Object.keys(carrier).length ? JSON.stringify(carrier) : null,
    ]);
    return envelope;
  }
}
