import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { eventDefinition, type EventDataOf, type EventEnvelope, type EventType } from '@tutorhub/contracts';
import { currentContext } from '@tutorhub/platform';

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
    await em.query(`INSERT INTO "${this.schema}".outbox (id, type, envelope) VALUES ($1, $2, $3)`, [
      envelope.id,
      type,
      JSON.stringify(envelope),
    ]);
    return envelope;
  }
}
