import { Body, Param, Query, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { AppError } from '@tutorhub/platform';
import { nameContractSchemas } from './schema-names';
import { findUnstorableText, parseForPeople, type FieldError } from './validation-messages';
import { ApiBody, ApiParam, ApiQuery, ApiResponse } from './openapi-decorators';

export type JsonSchema = Record<string, unknown>;

/** Schemas that zod emitted as `$defs` (ids or recursion); hoisted into `components.schemas`. */
const sharedDefinitions = new Map<string, JsonSchema>();

// Before any controller's decorators convert a schema: the contract schemas get their names.
nameContractSchemas();

/** The named definitions collected while decorating controllers (openapi.ts merges them). */
export function zodComponentSchemas(): Record<string, JsonSchema> {
  return Object.fromEntries(sharedDefinitions);
}

/**
 * JSON Schema (draft 2020-12, which OpenAPI 3.1 uses as is) of a zod schema. `io: 'input'`
 * describes what a client may send (defaults optional), `'output'` what it receives.
 * Named schemas (schema-names.ts) become components and are referenced: `#/$defs/X` becomes
 * `#/components/schemas/X`. A named schema whose input differs from its output (a default,
 * or a reference to one that differs) is named `XInput` on the input side, so each component
 * means one thing. `inlineRoot` returns the root's own schema (for query and path parameters).
 */
export function zodToOpenApi(schema: z.ZodType, io: 'input' | 'output' = 'output', options: { inlineRoot?: boolean } = {}): JsonSchema {
  const convert = (mode: 'input' | 'output') =>
    z.toJSONSchema(schema, { target: 'draft-2020-12', io: mode, unrepresentable: 'any' }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  const json = convert(io);
  const { $schema: _ignored, $defs, ...rest } = json;
  const defs = $defs ?? {};
  const rename = new Map<string, string>();
  if (io === 'input') {
    const outDefs = convert('output').$defs ?? {};
    const refersToRenamed = (node: unknown): boolean =>
      JSON.stringify(node).match(/"#\/\$defs\/([^"]+)"/g)?.some((m) => rename.has(m.slice(9, -1))) ?? false;
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, def] of Object.entries(defs)) {
        if (rename.has(name)) continue;
        if (/(Input|Body|Query)$/.test(name) && !refersToRenamed(def) && JSON.stringify(def) === JSON.stringify(outDefs[name])) continue;
        if (JSON.stringify(def) !== JSON.stringify(outDefs[name]) || refersToRenamed(def)) {
          // A request-only name (`CreateBookingBody`, `RegisterInput`) has no response twin to collide with.
          rename.set(name, /(Input|Body|Query)$/.test(name) ? name : `${name}Input`);
          changed = true;
        }
      }
    }
  }
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(node as JsonSchema)) {
      out[k] =
        k === '$ref' && typeof v === 'string'
          ? v.replace(/^#\/\$defs\/(.+)$/, (_m, name: string) => `#/components/schemas/${rename.get(name) ?? name}`)
          : rewrite(v);
    }
    return out;
  };
  for (const [name, def] of Object.entries(defs)) sharedDefinitions.set(rename.get(name) ?? name, rewrite(def) as JsonSchema);
  const root = rewrite(rest) as JsonSchema;
  if (options.inlineRoot && typeof root.$ref === 'string' && Object.keys(root).length === 1) {
    // Parameters are listed one by one: the query object itself is no component.
    const name = root.$ref.replace('#/components/schemas/', '');
    const own = sharedDefinitions.get(name);
    if (own && !JSON.stringify([...sharedDefinitions.values()]).includes(`"${root.$ref}"`)) sharedDefinitions.delete(name);
    return own ?? root;
  }
  return root;
}

/**
 * Validates a body, query or parameter with a zod schema from libs/contracts. Failure is a 400
 * `validation_failed` problem with `errors: [{ path, message }]`, worded for people
 * (validation-messages.ts): an unknown field is named at its own path with the nearest known
 * field, and text that cannot be stored (a NUL character, a lone surrogate) is refused here,
 * naming the field, before it could fail deep in a service. The parsed value (unknown keys
 * stripped or refused, per the schema) replaces the raw input: nothing unvalidated goes on.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly pathPrefix = '',
  ) {}

  transform(value: unknown): z.output<S> {
    const unstorable = findUnstorableText(value, this.pathPrefix ? [this.pathPrefix] : []);
    if (unstorable.length > 0) throw validationProblem(unstorable);
    const result = parseForPeople(this.schema, value, this.pathPrefix);
    if (result.success) return result.data;
    throw validationProblem(result.errors);
  }
}

/** The 400 `validation_failed` problem: one sentence of detail, every field in `errors`. */
export function validationProblem(errors: FieldError[]): AppError {
  const first = errors[0];
  const detail =
    errors.length === 1 && first
      ? `${first.path ? `\`${first.path}\`: ` : ''}${first.message}`
      : `${errors.length} fields need fixing; each is listed in \`errors\` with its path.`;
  return new AppError(400, 'validation_failed', detail, { errors });
}

/** Decorates a method's OpenAPI operation from inside a parameter decorator. */
function documentMethod(target: object, key: string | symbol | undefined, decorator: MethodDecorator): void {
  if (key === undefined) return;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor) decorator(target, key, descriptor);
}

/**
 * `@ZodBody(schema) body: z.output<typeof schema>`: validates the JSON body and documents it
 * as the operation's request body in OpenAPI.
 */
export function ZodBody(schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Body(new ZodValidationPipe(schema))(target, key, index);
    documentMethod(target, key, ApiBody({ schema: zodToOpenApi(schema, 'input') as never, required: true }));
  };
}

/** `@ZodQuery(schema) q`: validates the query string object (all values arrive as strings: use z.coerce) and documents each property. */
export function ZodQuery(schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Query(new ZodValidationPipe(schema, 'query'))(target, key, index);
    const json = zodToOpenApi(schema, 'input', { inlineRoot: true }) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, prop] of Object.entries(json.properties ?? {})) {
      const required = (json.required ?? []).includes(name);
      const description = typeof prop.description === 'string' ? prop.description : undefined;
      documentMethod(target, key, ApiQuery({ name, required, schema: prop as never, ...(description ? { description } : {}) }));
    }
  };
}

/** `@ZodParam('id', uuidSchema) id: string`: validates one path parameter and documents it. */
export function ZodParam(name: string, schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Param(name, new ZodValidationPipe(schema, name))(target, key, index);
    documentMethod(target, key, ApiParam({ name, required: true, schema: zodToOpenApi(schema, 'input', { inlineRoot: true }) as never }));
  };
}

/** Documents a JSON response of the operation with a zod schema (`status` defaults to 200). */
export function ApiZodResponse(schema: z.ZodType, options: { status?: number; description?: string } = {}): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status: options.status ?? 200,
    description: options.description ?? 'Success',
    content: { 'application/json': { schema: zodToOpenApi(schema, 'output') as never } },
  });
}
