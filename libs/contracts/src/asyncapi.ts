import { z } from 'zod';
import { envelopeSchema } from './envelope';
import { EVENT_CATALOGUE } from './events/catalogue';

/**
 * The AsyncAPI 3 document of every integration event, generated from the same zod schemas
 * that producers and consumers validate with, so the catalogue cannot drift from the code.
 */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const envelope = z.toJSONSchema(envelopeSchema.omit({ data: true }), { target: 'draft-2020-12' }) as {
    properties: Record<string, unknown>;
    required: string[];
  };
  for (const def of EVENT_CATALOGUE) {
    const key = def.type.replace(/\./g, '_');
    const data = z.toJSONSchema(def.schema, { target: 'draft-2020-12', io: 'output' });
    messages[key] = {
      name: def.type,
      title: def.type,
      summary: def.description,
      contentType: 'application/json',
      payload: {
        type: 'object',
        additionalProperties: false,
        required: [...envelope.required, 'data'],
        properties: {
          ...envelope.properties,
          type: { const: def.type },
          version: { const: def.version },
          producer: { const: def.producer },
          data,
        },
      },
    };
    channels[key] = {
      address: def.type,
      description: `Routing key ${def.type} on the topic exchange tutorhub.events.`,
      messages: { [key]: { $ref: `#/components/messages/${key}` } },
      bindings: { amqp: { is: 'routingKey', exchange: { name: 'tutorhub.events', type: 'topic', durable: true, autoDelete: false }, bindingVersion: '0.3.0' } },
    };
    operations[`publish_${key}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${key}` },
      summary: `${def.producer} publishes ${def.type}`,
      bindings: { amqp: { deliveryMode: 2, bindingVersion: '0.3.0' } },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'tutorhub integration events',
      version: '1.0.0',
      description:
        'Events exchanged between tutorhub services over RabbitMQ. Every message is a JSON envelope ' +
        '{id,type,version,occurredAt,producer,correlationId,causationId,data}, persistent, with message-id = id. ' +
        'Consumers must tolerate duplicates (they keep an inbox of processed ids).',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}
