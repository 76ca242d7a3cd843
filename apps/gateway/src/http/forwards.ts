import type { RpcDefinition } from '@tutorhub/contracts';
import { ApiExtension } from './openapi-decorators';

/** OpenAPI extension naming the RPC patterns a route forwards to (read and removed by openapi.ts). */
export const X_RPC = 'x-rpc-patterns';

/**
 * `@Forwards(bookingsRpc.create)`: the route forwards to this RPC call, so the OpenAPI
 * document lists the problems its pattern answers (libs/contracts/src/problems.ts) on the route,
 * each with its status, `code` and an example.
 */
export function Forwards(...calls: Array<RpcDefinition | string>): MethodDecorator {
  return ApiExtension(X_RPC, calls.map((c) => (typeof c === 'string' ? c : c.name)));
}
