import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Actor } from '@tutorhub/contracts';

/**
 * What we know about the unit of work in progress: the HTTP request, RPC call or event that
 * started it. Correlation id follows a user action across every service; causation id is the
 * id of the message that directly caused this work.
 */
export interface WorkContext {
  correlationId: string;
  causationId?: string;
  actor?: Actor;
}

const storage = new AsyncLocalStorage<WorkContext>();

export function runWithContext<T>(ctx: WorkContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): WorkContext | undefined {
  return storage.getStore();
}

export function correlationId(): string {
  return storage.getStore()?.correlationId ?? randomUUID();
}
