import { ApiExtension } from '@nestjs/swagger';

/** OpenAPI extension naming the RPC patterns a route forwards to (read and removed by openapi.ts). */
export const X_RPC = 'x-rpc-patterns';

/**
 * `@Forwards(BOOKINGS_RPC.create)`: the route forwards to this RPC pattern, so the OpenAPI
 * document lists the problems that pattern answers (libs/contracts/src/problems.ts) on the route,
 * each with its status, `code` and an example.
 */
export function Forwards(...patterns: string[]): MethodDecorator {
  return ApiExtension(X_RPC, patterns);
}
