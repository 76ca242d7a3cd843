import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Actor, EventEnvelope, EventType, RpcData, RpcDefinition } from '@tutorhub/contracts';

export const EVENT_HANDLER = 'tutorhub:event-handler';
export const EVENT_BATCH_HANDLER = 'tutorhub:event-batch-handler';
export const RPC_HANDLER = 'tutorhub:rpc-handler';
export const RPC_DEFINITION = 'tutorhub:rpc-definition';

/**
 * Marks a provider method as the handler of one event type. It runs inside a database
 * transaction that also records the event id in the inbox, so a redelivered event has no
 * second effect; write state and any outbox events through `ctx.em`.
 */
export const OnEvent = (type: EventType) => SetMetadata(EVENT_HANDLER, type);

/**
 * Marks a provider method as the set-based handler of several events of one type that a
 * batch holds together (ADR 0022). It is called with the batch's new events of that type (the
 * inbox already recorded them, in one statement, in the same savepoint) and must have exactly
 * the effect of the type's `@OnEvent` handler called once per event, in the order given. It is
 * an optimisation only: when it throws, its savepoint is rolled back and every event of the run
 * goes through the `@OnEvent` handler one by one (which must exist). No two events of one batch
 * are about the same booking (or user), so their order does not matter to each other.
 * It runs outside any one event's correlation context: it must not write outbox events.
 */
export const OnEventBatch = (type: EventType) => SetMetadata(EVENT_BATCH_HANDLER, type);

/**
 * Marks a provider method as the server of one RPC call: `@OnRpc(bookingsRpc.cancel)`. The
 * server checks the actor against the definition's roles, parses `data` with its input schema
 * (400 `validation_failed`), then calls the method with the parsed data; in tests it also checks
 * the answer against the output schema. A bare pattern string (`@OnRpc('probe.echo')`) serves
 * the call with nothing checked: test probes only.
 */
export function OnRpc(def: RpcDefinition | string): MethodDecorator {
  const pattern = typeof def === 'string' ? def : def.name;
  return (target, key, descriptor) => {
    SetMetadata(RPC_HANDLER, pattern)(target, key, descriptor);
    if (typeof def !== 'string') SetMetadata(RPC_DEFINITION, def)(target, key, descriptor);
  };
}

export interface EventContext {
  em: EntityManager;
  envelope: EventEnvelope;
}

/** One event as an `@OnEventBatch` handler receives it: `data` parsed as for `@OnEvent`. */
export interface BatchedEvent<D = unknown> {
  data: D;
  envelope: EventEnvelope;
}

/** What an `@OnEventBatch` handler receives besides its events. */
export interface EventBatchContext {
  em: EntityManager;
}

/**
 * The caller as a handler sees it: certain (`Actor`) when the definition needs a signed-in user,
 * since `@OnRpc(def)` refused the call without one (and with a role it does not list); `null`
 * stays possible only for `'anonymous'` definitions and bare patterns.
 */
export type RpcActor<T> = T extends RpcDefinition<string, z.ZodTypeAny, z.ZodTypeAny, infer R> ? ('anonymous' extends R ? Actor | null : Actor) : Actor | null;

/** What an RPC handler receives; `RpcContext<typeof bookingsRpc.cancel>` types `data` as its parsed input. */
export interface RpcContext<T = unknown> {
  actor: RpcActor<T>;
  data: T extends RpcDefinition ? RpcData<T> : T;
}
