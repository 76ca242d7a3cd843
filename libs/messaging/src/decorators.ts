import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Actor, EventEnvelope, EventType, RpcData, RpcDefinition } from '@tutorhub/contracts';

export const EVENT_HANDLER = 'tutorhub:event-handler';
export const RPC_HANDLER = 'tutorhub:rpc-handler';
export const RPC_DEFINITION = 'tutorhub:rpc-definition';

/**
 * Marks a provider method as the handler of one event type. It runs inside a database
 * transaction that also records the event id in the inbox, so a redelivered event has no
 * second effect; write state and any outbox events through `ctx.em`.
 */
export const OnEvent = (type: EventType) => SetMetadata(EVENT_HANDLER, type);

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
