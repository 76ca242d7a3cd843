import { z } from 'zod';
import { isoDateTime, uuidSchema } from './common';

/** The integration-event envelope of docs/design.md §2; `data` is validated per event type. */
export const envelopeSchema = z.object({
  id: uuidSchema,
  type: z.string().regex(/^[a-z_]+\.[a-z_]+\.[a-z_]+\.v\d+$/),
  version: z.number().int().positive(),
  occurredAt: isoDateTime,
  producer: z.string().min(1),
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  data: z.unknown(),
});

export interface EventEnvelope<T = unknown, K extends string = string> {
  id: string;
  type: K;
  version: number;
  occurredAt: string;
  producer: string;
  correlationId: string;
  causationId: string | null;
  data: T;
}
