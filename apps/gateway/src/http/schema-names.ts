import { z } from 'zod';
import * as contracts from '@tutorhub/contracts';

/**
 * Names for the contract schemas in the OpenAPI document, so that a code generator makes one
 * type per concept (`Booking`, `Money`, `CreateBookingBody`) reused across routes, instead of an
 * anonymous inline shape per operation. The name comes from the export in libs/contracts:
 * `bookingSchema` → `Booking`, `createBookingBody` → `CreateBookingBody`, `registerInput` →
 * `RegisterInput`. Only structures and enums are named (a bare string stays inline), and a
 * schema that already has an `id` keeps it. The ids go into zod's global registry, which
 * `z.toJSONSchema` reads: a named schema becomes a `$defs` entry and then a component.
 */
const NAMEABLE = new Set(['object', 'enum', 'array', 'union', 'intersection', 'record', 'pipe']);

function pascal(exportName: string): string {
  const base = exportName.replace(/Schema$/, '');
  return base.charAt(0).toUpperCase() + base.slice(1);
}

type Zodish = z.ZodType & { _zod: { def: { type: string } } };

export function nameSchema(schema: z.ZodType, id: string): void {
  const registry = z.globalRegistry as unknown as { _idmap: Map<string, unknown> };
  const existing = z.globalRegistry.get(schema);
  if (existing?.id || registry._idmap.has(id)) return;
  z.globalRegistry.add(schema, { ...(existing ?? {}), id });
}

let named = false;

export function nameContractSchemas(): void {
  if (named) return;
  named = true;
  const entries = Object.entries(contracts as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  for (const [exportName, value] of entries) {
    if (!value || typeof value !== 'object' || !('_zod' in value)) continue;
    const schema = value as Zodish;
    if (!NAMEABLE.has(schema._zod.def.type)) continue;
    // Event payloads and envelopes belong to the AsyncAPI document, RPC-only inputs to no document.
    if (/^(envelope|rpc|event)/i.test(exportName)) continue;
    nameSchema(schema, pascal(exportName));
  }
}
