import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBLEMS, RPC_CATALOGUE, RPC_PROBLEMS, RPC_SERVICE, rpcDefinition } from '@tutorhub/contracts';
import { ROOT, renderRpcCatalogue, scanGatewayCallers, scanRpcHandlers } from './rpc-catalogue';

describe('the RPC catalogue', () => {
  const handlers = scanRpcHandlers();

  it('is the committed docs/rpc-catalogue.md (run `npm run contracts:generate` after changing an RPC or its handler)', () => {
    expect(readFileSync(join(ROOT, 'docs', 'rpc-catalogue.md'), 'utf8')).toBe(renderRpcCatalogue(handlers));
  });

  it('finds the handlers (the scan works)', () => {
    expect(handlers.find((h) => h.target === 'bookingsRpc.cancel')).toMatchObject({
      file: 'apps/bookings/src/cancel-booking/cancel-booking.rpc.ts',
      method: 'CancelBookingRpc.cancel',
    });
    expect(scanGatewayCallers().get('bookings.cancel')).toContain('apps/gateway/src/routes/bookings.controller.ts');
  });

  it('serves every call with exactly one @OnRpc(def) in the app of its service, and nothing else', () => {
    const problems: string[] = [];
    for (const h of handlers) {
      if (!h.def) problems.push(`${h.file} ${h.method}: @OnRpc(${h.target}) names no definition (use @OnRpc(xxxRpc.name))`);
      else if (!h.file.startsWith(`apps/${h.def.service}/`)) problems.push(`${h.def.name} is a ${h.def.service} call but ${h.file} serves it`);
    }
    for (const def of RPC_CATALOGUE) {
      const n = handlers.filter((h) => h.def === def).length;
      if (n !== 1) problems.push(`${def.name} has ${n} handlers`);
    }
    expect(problems).toEqual([]);
  });

  it('keeps one definition per pattern, each the pattern the problem catalogue knows for that service', () => {
    expect(new Set(RPC_CATALOGUE.map((d) => d.name)).size).toBe(RPC_CATALOGUE.length);
    expect(Object.fromEntries(RPC_CATALOGUE.map((d) => [d.name, d.service]))).toEqual(RPC_SERVICE);
    for (const def of RPC_CATALOGUE) expect(rpcDefinition(def.name)).toBe(def);
  });

  it('refuses with codes the problem catalogue lists with the same status', () => {
    // The gateway's own codes (documented on every route), and notifications' historical 401 code
    // (its routes are reached through the gateway's authentication first).
    const crossCutting = new Set(['auth.unauthenticated', 'auth.forbidden_role', 'unauthorized']);
    const problems: string[] = [];
    for (const def of RPC_CATALOGUE) {
      for (const [code, status] of [
        [def.unauthenticatedCode, 401],
        [def.forbiddenCode, 403],
      ] as const) {
        if (crossCutting.has(code)) continue;
        const entry = (PROBLEMS as Record<string, { status: number }>)[code];
        if (entry?.status !== status) problems.push(`${def.name}: ${code} is not catalogued with ${status}`);
        else if (!(RPC_PROBLEMS[def.name] ?? []).includes(code as never)) problems.push(`${def.name}: ${code} is not in RPC_PROBLEMS for it`);
      }
    }
    expect(problems).toEqual([]);
  });
});
