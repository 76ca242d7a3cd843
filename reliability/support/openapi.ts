import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The operations of the gateway's OpenAPI document, and payloads generated from their request
 * schemas: a valid base (never sent as is) and single-fault mutations of it that the schema
 * forbids. The sweep reads both the committed document and the one the running gateway serves,
 * so a route that exists but is missing from the committed document is still attacked.
 */
export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  multipleOf?: number;
  pattern?: string;
  default?: unknown;
  $ref?: string;
};

export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. `/api/bookings/{id}`. */
  path: string;
  pathParams: string[];
  query: Array<{ name: string; schema: Schema; required: boolean }>;
  body?: Schema;
  /** `security: []`: no token needed (auth, Chapa webhook and callback). */
  isPublic: boolean;
  /** In the committed document (apps/gateway/openapi.json), the served one, or both. */
  source: 'committed' | 'served' | 'both';
}

type Doc = { paths: Record<string, Record<string, { security?: unknown[]; parameters?: Array<{ name: string; in: string; required?: boolean; schema: Schema }>; requestBody?: { content?: Record<string, { schema: Schema }> } }>>; components?: { schemas?: Record<string, Schema> } };

export function committedDocument(): Doc {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'apps', 'gateway', 'openapi.json'), 'utf8')) as Doc;
}

function resolve(doc: Doc, s: Schema | undefined): Schema | undefined {
  if (!s) return s;
  if (s.$ref) return resolve(doc, doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')]);
  return s;
}

function operationsOf(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = op.parameters ?? [];
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(doc, p.schema) ?? {}, required: !!p.required })),
        body: resolve(doc, op.requestBody?.content?.['application/json']?.schema),
        isPublic: Array.isArray(op.security) && op.security.length === 0,
        source: 'committed',
      });
    }
  }
  return out;
}

/** The union of both documents' operations (served wins for schemas). */
export function allOperations(committed: Doc, served: Doc): Operation[] {
  const byKey = new Map<string, Operation>();
  for (const op of operationsOf(committed)) byKey.set(`${op.method} ${op.path}`, op);
  for (const op of operationsOf(served)) {
    const k = `${op.method} ${op.path}`;
    byKey.set(k, { ...op, source: byKey.has(k) ? 'both' : 'served' });
  }
  return [...byKey.values()].sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
}

const typeOf = (s: Schema): string | undefined => {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  if (s.type) return s.type;
  const alt = (s.anyOf ?? s.oneOf)?.find((x) => x.type !== 'null');
  return alt ? typeOf(alt) : undefined;
};
const nonNull = (s: Schema): Schema => (s.anyOf ?? s.oneOf)?.find((x) => x.type !== 'null') ?? s;

/** A value the schema accepts (best effort; the sweep supplies bases for the operations it knows). */
export function validExample(s0: Schema): unknown {
  const s = nonNull(s0);
  if (s.enum) return s.enum[0];
  switch (typeOf(s)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = validExample(s.properties?.[k] ?? {});
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 0) }, () => validExample(s.items ?? {}));
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, Math.min(1, s.maximum ?? 1));
    case 'boolean':
      return true;
    case 'string':
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'date-time') return new Date(Date.now() + 86400_000).toISOString();
      if (s.format === 'email') return `x${randomUUID().slice(0, 8)}@example.com`;
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    default:
      return 'x';
  }
}

/** Characters no text field may take: NUL, and unpaired UTF-16 surrogates (high and low). */
export const UNSTORABLE_TEXT: Array<[string, string]> = [
  ['a NUL character', 'a\u0000b'],
  ['a lone high surrogate', 'a\uD800b'],
  ['a lone low surrogate', '\uDC00'],
];

/** A value of a string schema with room for a few more characters (an enum's first value, else 'x'). */
function validString(s: Schema): string {
  if (s.enum) return String(s.enum[0]);
  return 'x'.repeat(Math.max(1, Math.min(s.minLength ?? 1, 8)));
}

export interface Mutation {
  name: string;
  body: unknown;
}

/** Every JSON type the schema accepts (all alternatives of an anyOf / oneOf). */
function typesOf(s: Schema): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(s.type)) s.type.forEach((t) => out.add(t));
  else if (s.type) out.add(s.type);
  for (const alt of s.anyOf ?? s.oneOf ?? []) typesOf(alt).forEach((t) => out.add(t));
  if (out.has('integer')) out.add('number');
  return out;
}

/** Values of a JSON type the schema does not accept at all. */
function wrongTypes(s: Schema): Array<[string, unknown]> {
  const types = typesOf(s);
  if (types.size === 0) return [];
  const all: Array<[string, string, unknown]> = [
    ['number', 'a number', 12345],
    ['string', 'a string', 'twelve'],
    ['boolean', 'a boolean', true],
    ['array', 'an array', ['x']],
    ['object', 'an object', { x: 1 }],
    ['null', 'null', null],
  ];
  return all.filter(([t]) => !types.has(t)).map(([, name, v]) => [name, v]);
}

/** Values of the right type that the schema's constraints refuse. */
function outOfRange(key: string, s0: Schema): Array<[string, unknown]> {
  const s = nonNull(s0);
  const out: Array<[string, unknown]> = [];
  // With several non-null alternatives (e.g. a bank code that is a string or a number), a value
  // refused by one may be accepted by another: only wrong types are certain to be invalid.
  if ([...typesOf(s0)].filter((t) => t !== 'null' && t !== 'number').length > 1) return out;
  const t = typeOf(s);
  // Text Postgres cannot store (NUL) or UTF-8 cannot encode (a lone surrogate): a 400 naming
  // the field, never a 5xx from deep in a service.
  if (t === 'string') out.push(...UNSTORABLE_TEXT.map(([what, v]): [string, unknown] => [what, `${validString(s)}${v}`]));
  if (s.enum) out.push(['not in the enum', 'ADMIN'], ['enum value in upper case', String(s.enum[0]).toUpperCase() === s.enum[0] ? `${s.enum[0]}x` : String(s.enum[0]).toUpperCase()]);
  if (t === 'string' && !s.enum) {
    if (s.maxLength !== undefined) out.push([`longer than ${s.maxLength}`, 'y'.repeat(s.maxLength + 1)]);
    out.push(['a huge string (60 000 chars)', 'z'.repeat(60_000)]);
    if ((s.minLength ?? 0) > 0) out.push(['empty', '']);
    if (s.format === 'uuid' || /id$/i.test(key)) {
      out.push(['not a uuid', 'not-a-uuid'], ['a uuid with a bad character', '00000000-0000-4000-8000-00000000000g'], ['SQL in a uuid', "' OR '1'='1"], ['a uuid with a suffix', `${randomUUID()}x`]);
    }
    if (s.format === 'date-time') out.push(['not a date', 'tomorrow'], ['an impossible date', '2026-13-45T25:61:00Z'], ['a date without a zone', '2030-01-01T10:00:00']);
    if (s.format === 'email') out.push(['not an email', 'nobody'], ['an email with a newline', 'a@b.c\nBcc: x@y.z']);
  }
  if (t === 'integer' || t === 'number') {
    if (s.minimum !== undefined) out.push([`below the minimum ${s.minimum}`, s.minimum - 1]);
    if (s.maximum !== undefined) out.push([`above the maximum ${s.maximum}`, s.maximum + 1]);
    out.push(['negative', -1], ['beyond a safe integer', 2 ** 53 + 2], ['a numeric string', '100']);
    if (t === 'integer') out.push(['a float', 1.5]);
    if (s.multipleOf) out.push([`not a multiple of ${s.multipleOf}`, (s.minimum ?? s.multipleOf) + 1]);
  }
  if (t === 'array') {
    if (s.maxItems !== undefined) out.push([`more than ${s.maxItems} items`, Array.from({ length: s.maxItems + 1 }, (_, i) => `item-${i}`)]);
    if ((s.minItems ?? 0) > 0) out.push(['empty array', []]);
    if (s.items) out.push(['items of the wrong type', [{ nested: true }]]);
    const items = s.items ? nonNull(s.items) : undefined;
    if (items && typeOf(items) === 'string') out.push(...UNSTORABLE_TEXT.map(([what, v]): [string, unknown] => [`an item with ${what}`, [`${validString(items)}${v}`]]));
  }
  return out;
}

/**
 * Single-fault mutations of a valid base: wrong top-level types, each required property missing,
 * each property of a wrong type or out of range (nested objects too, e.g. negative, float and
 * string money), unknown keys. Each of them must be refused with a 400/422 problem.
 */
export function invalidBodies(schema: Schema, base: Record<string, unknown>): Mutation[] {
  const out: Mutation[] = [
    { name: 'body is an array', body: [base] },
    { name: 'body is a string', body: 'hello' },
    { name: 'body is a number', body: 42 },
  ];
  const walk = (s: Schema, value: Record<string, unknown>, set: (v: Record<string, unknown>) => unknown, prefix: string) => {
    for (const k of s.required ?? []) {
      const { [k]: _drop, ...rest } = value;
      out.push({ name: `${prefix}${k} missing`, body: set(rest) });
    }
    for (const [k, ps] of Object.entries(s.properties ?? {})) {
      for (const [what, v] of [...wrongTypes(ps), ...outOfRange(k, ps)]) out.push({ name: `${prefix}${k} ${what}`, body: set({ ...value, [k]: v }) });
      const inner = nonNull(ps);
      if (typeOf(inner) === 'object' && inner.properties && value[k] && typeof value[k] === 'object') {
        walk(inner, value[k] as Record<string, unknown>, (v) => set({ ...value, [k]: v }), `${prefix}${k}.`);
      }
    }
  };
  walk(schema, base, (v) => v, '');
  return out;
}

/** Unknown keys a client might try to set (mass assignment): each must be refused, never applied. */
export const MASS_ASSIGNMENT: Record<string, unknown> = {
  status: 'completed',
  price: { amountMinor: 1, currency: 'ETB' },
  role: 'admin',
  tutorId: '00000000-0000-4000-8000-000000000001',
  studentId: '00000000-0000-4000-8000-000000000002',
  amountMinor: 1,
  userId: '00000000-0000-4000-8000-000000000003',
  id: '00000000-0000-4000-8000-000000000004',
  isAdmin: true,
  ratingAverage: 5,
  moneyStatus: 'released',
  escrowStatus: 'released',
  __proto__: { role: 'admin' },
};
