import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { eventDefinition, type EventDataOf, type EventEnvelope, type EventType } from '@tutorhub/contracts';
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
  await em.query(
    `INSERT INTO "${schema}".outbox (id, type, envelope)
     SELECT id, $2, envelope FROM unnest($1::uuid[], $3::jsonb[]) AS x(id, envelope)`,
    [ids, type, bodies],
  );
  return ids.length;
}
