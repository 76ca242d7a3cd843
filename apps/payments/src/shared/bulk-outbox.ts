import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { eventDefinition, type EventDataOf, type EventEnvelope, type EventType } from '@tutorhub/contracts';
import { SpanKind, injectTraceContext, messagingAttributes, startSpan } from '@tutorhub/messaging';
import { currentContext } from '@tutorhub/platform';

/**
 * Writes many events to the outbox in ONE statement (the release job emits one event per escrow
 * for thousands of escrows per batch). Same envelope and validation as OutboxService.add, so the
 * relay and consumers cannot tell the difference.
 */
export async function addManyToOutbox<K extends EventType>(
  em: EntityManager,
  schema: string,
  producer: string,
  type: K,
  items: ReadonlyArray<EventDataOf<K>>,
  occurredAt: Date = new Date(),
): Promise<number> {
  if (items.length === 0) return 0;
  const def = eventDefinition(type);
  if (!def) throw new Error(`Unknown event type ${type}`);
  const ctx = currentContext();
  const ids: string[] = [];
  const bodies: string[] = [];
  for (const data of items) {
    const envelope: EventEnvelope = {
      id: randomUUID(),
      type,
      version: def.version,
      occurredAt: occurredAt.toISOString(),
      producer,
      correlationId: ctx?.correlationId ?? randomUUID(),
      causationId: ctx?.causationId ?? null,
      data: def.schema.parse(data),
    };
    ids.push(envelope.id);
    bodies.push(JSON.stringify(envelope));
  }
  // One producer span for the batch; every row carries its context (see OutboxService.add).
  const span = startSpan(`${type} create`, SpanKind.PRODUCER, messagingAttributes(producer, type, 'create', { 'messaging.batch.message_count': ids.length }));
  const carrier = injectTraceContext(span);
  span.end();
  await em.query(
    `INSERT INTO "${schema}".outbox (id, type, envelope, trace_context)
     SELECT id, $2, envelope, $4::jsonb FROM unnest($1::uuid[], $3::jsonb[]) AS x(id, envelope)`,
    [ids, type, bodies, Object.keys(carrier).length ? JSON.stringify(carrier) : null],
  );
  return ids.length;
}
