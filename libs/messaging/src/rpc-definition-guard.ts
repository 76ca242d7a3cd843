import type { Actor, RpcDefinition } from '@tutorhub/contracts';
import { AppError } from '@tutorhub/platform';
import { parseInput } from './validation';

/**
 * The checks `@OnRpc(def)` runs around a handler, in the order the handlers ran them before:
 * the actor first (401 without one, 403 for a role the definition does not list, with the
 * definition's codes), then the input (400 `validation_failed`).
 */
export function admitRpc(def: RpcDefinition, actor: Actor | null, data: unknown): unknown {
  if (def.roles !== 'anonymous') {
    if (!actor) throw new AppError(401, def.unauthenticatedCode, 'This call needs an authenticated user.');
    if (def.roles !== 'any' && !def.roles.includes(actor.role)) {
      throw new AppError(403, def.forbiddenCode, `Only ${def.roles.join(' or ')} users may do this.`);
    }
  }
  return parseInput(def.input, data === undefined || data === null ? (def.emptyInput ? {} : data) : data);
}

/**
 * Tests only: the answer, as it goes on the wire (JSON), must match the definition's output
 * schema. A mismatch is a bug in the handler or the contract, so it fails loudly (a 500 logged
 * with the issues); production never pays for the check nor refuses an answer over it.
 */
export function checkRpcOutput(def: RpcDefinition, result: unknown): void {
  const wire: unknown = result === undefined ? null : JSON.parse(JSON.stringify(result));
  const checked = def.output.safeParse(wire);
  if (!checked.success) {
    const issues = checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${def.name} answered outside its output schema: ${issues}`);
  }
}

/** Answers are checked against the output schemas under Jest (NODE_ENV=test), never in production. */
export const validateRpcOutputs = (): boolean => process.env.NODE_ENV === 'test';
