import type { z } from 'zod';

export interface EventDefinition<K extends string = string, S extends z.ZodTypeAny = z.ZodTypeAny> {
  type: K;
  version: number;
  producer: string;
  schema: S;
  description: string;
}

/**
 * One definition per event type: the routing key, the payload schema and a sentence for the
 * AsyncAPI document. Producers, consumers and the published catalogue all read these.
 */
export function defineEvent<K extends string, S extends z.ZodTypeAny>(
  type: K,
  schema: S,
  description: string,
): EventDefinition<K, S> {
  const match = /^([a-z_]+)\.[a-z_]+\.[a-z_]+\.v(\d+)$/.exec(type);
  if (!match) throw new Error(`Event type ${type} does not follow <producer>.<aggregate>.<verb>.v<N>`);
  return { type, version: Number(match[2]), producer: match[1], schema, description };
}
