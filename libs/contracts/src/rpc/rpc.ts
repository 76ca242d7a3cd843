import { z } from 'zod';
import { actorSchema } from '../common';

/**
 * Gateway → service request/response over RabbitMQ. The request names a pattern (one per use
 * case, e.g. `bookings.create`), carries the authenticated actor (null for anonymous calls such
 * as the Chapa webhook) and the validated input.
 */
export const rpcRequestSchema = z.object({
  pattern: z.string().min(1).max(200),
  actor: actorSchema.nullable(),
  data: z.unknown(),
});
export type RpcRequest<T = unknown> = { pattern: string; actor: z.infer<typeof actorSchema> | null; data: T };

export interface RpcProblem {
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
  details?: Record<string, unknown>;
}

export type RpcReply<T = unknown> = { ok: true; data: T } | { ok: false; error: RpcProblem };

/** Queue a service serves its RPC patterns from. */
export const rpcQueueName = (namespace: string, service: string) => `${namespace ? `${namespace}.` : ''}${service}.rpc`;
