import type { z } from 'zod';
import type { Role } from '../common';

/** The services that serve RPC calls (queue `<service>.rpc`). */
export type RpcService = 'bookings' | 'payments' | 'sessions' | 'notifications';

/**
 * Who may call: the listed roles, `'any'` signed-in user, or `'anonymous'` (no actor needed,
 * e.g. Chapa's webhook). The server checks it before it reads the input, as the handlers did.
 */
export type RpcRoles = readonly Role[] | 'any' | 'anonymous';

export interface RpcDefinition<
  N extends string = string,
  I extends z.ZodTypeAny = z.ZodTypeAny,
  O extends z.ZodTypeAny = z.ZodTypeAny,
  R extends RpcRoles = RpcRoles,
> {
  readonly service: RpcService;
  /** The pattern on the wire (`bookings.cancel`): routing, metrics and problem catalogue use it. */
  readonly name: N;
  /** Parsed by the server before the handler runs (400 `validation_failed` on failure). */
  readonly input: I;
  /** What the handler answers; checked against every answer when NODE_ENV is `test`. */
  readonly output: O;
  /** Kept as written (`readonly ['tutor']`, `'any'`), so a handler's context knows whether an actor is certain. */
  readonly roles: R;
  /** The 401 code without an actor (services had their own; kept so answers do not change). */
  readonly unauthenticatedCode: string;
  /** The 403 code for a role not in `roles`. */
  readonly forbiddenCode: string;
  /** A call without data is read as `{}` (inputs whose fields are all optional). */
  readonly emptyInput: boolean;
  readonly description: string;
}

export interface RpcDefinitionSpec<N extends string, I extends z.ZodTypeAny, O extends z.ZodTypeAny, R extends RpcRoles = RpcRoles> {
  service: RpcService;
  name: N;
  input: I;
  output: O;
  roles: R;
  description: string;
  unauthenticatedCode?: string;
  forbiddenCode?: string;
  emptyInput?: boolean;
}

/** What the caller sends (before the server's parsing: defaults and coercions still to apply). */
export type RpcInput<D extends RpcDefinition> = z.input<D['input']>;
/** What the handler receives, parsed. */
export type RpcData<D extends RpcDefinition> = z.output<D['input']>;
/** What the call answers. */
export type RpcOutput<D extends RpcDefinition> = z.output<D['output']>;

/**
 * One definition per RPC call, the counterpart of `defineEvent`: the gateway calls
 * `rpc.call(def, input)` and the service serves it with `@OnRpc(def)`, so go-to-definition from
 * either side lands here, and docs/rpc-catalogue.md lists which file handles it.
 */
export function defineRpc<N extends string, I extends z.ZodTypeAny, O extends z.ZodTypeAny, const R extends RpcRoles>(
  spec: RpcDefinitionSpec<N, I, O, R>,
): RpcDefinition<N, I, O, R> {
  if (!/^[a-z_]+(\.[a-z_]+)+$/.test(spec.name)) throw new Error(`RPC name ${spec.name} is not <area>.<verb>`);
  if (Array.isArray(spec.roles) && spec.roles.length === 0) throw new Error(`RPC ${spec.name} allows no role`);
  return Object.freeze({
    service: spec.service,
    name: spec.name,
    input: spec.input,
    output: spec.output,
    roles: (Array.isArray(spec.roles) ? Object.freeze([...spec.roles]) : spec.roles) as R,
    unauthenticatedCode: spec.unauthenticatedCode ?? 'auth.unauthenticated',
    forbiddenCode: spec.forbiddenCode ?? 'auth.forbidden_role',
    emptyInput: spec.emptyInput ?? false,
    description: spec.description,
  });
}
