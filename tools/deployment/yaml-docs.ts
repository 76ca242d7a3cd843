import { parse, parseAllDocuments } from 'yaml';

/** A parsed YAML/JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every non-empty document of a multi-document YAML text (merge keys `<<` resolved). */
export function parseYamlDocuments(text: string, source: string): JsonObject[] {
  const docs = parseAllDocuments(text, { merge: true });
  const out: JsonObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJSON() as unknown;
    if (value === null || value === undefined) continue;
    if (!isObject(value)) throw new Error(`${source}: a document is not a mapping`);
    out.push(value);
  }
  return out;
}

/** One YAML document (merge keys resolved); may be a list (JSON 6902 patches). */
export function parseYaml(text: string): Json {
  return parse(text, { merge: true }) as Json;
}

export function str(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function obj(value: Json | undefined): JsonObject {
  return isObject(value) ? value : {};
}

export function arr(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

export function objs(value: Json | undefined): JsonObject[] {
  return arr(value).filter(isObject);
}
