import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor, EventEnvelope, EventType } from '@tutorhub/contracts';

export const EVENT_HANDLER = 'tutorhub:event-handler';
export const RPC_HANDLER = 'tutorhub:rpc-handler';

/**
 * Marks a provider method as the handler of one event type. It runs inside a database
 * transaction that also records the event id in the inbox, so a redelivered event has no
 * second effect; write state and any outbox events through `ctx.em`.
 */
export const OnEvent = (type: EventType) => SetMetadata(EVENT_HANDLER, type);

/** Marks a provider method as the server of one RPC pattern (e.g. `bookings.create`). */
export const OnRpc = (pattern: string) => SetMetadata(RPC_HANDLER, pattern);

export interface EventContext {
  em: EntityManager;
  envelope: EventEnvelope;
}

export interface RpcContext<T = unknown> {
  actor: Actor | null;
  data: T;
}
