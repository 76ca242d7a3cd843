import { ChapaHttpError } from './chapa-envelope';

// Field validation with Chapa's (Laravel's) error shape: 400 with
// {"message": {"amount": ["The amount field is required."]}, "status": "failed", "data": null}.

export type Body = Record<string, unknown>;

export function asBody(value: unknown): Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : {};
}

export class FieldErrors {
  private readonly errors: Record<string, string[]> = {};

  add(field: string, message: string): void {
    (this.errors[field] ??= []).push(message);
  }

  has(field: string): boolean {
    return field in this.errors;
  }

  throwIfAny(): void {
    if (Object.keys(this.errors).length > 0) throw new ChapaHttpError(400, this.errors);
  }
}

/** A scalar field as trimmed text; absent, null and "" are `null`. */
export function text(body: Body, key: string, errors: FieldErrors): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') {
    errors.add(key, `The ${key.replace(/_/g, ' ')} must be a string.`);
    return null;
  }
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export function required(body: Body, key: string, errors: FieldErrors): string | null {
  const value = text(body, key, errors);
  if (value === null && !errors.has(key)) errors.add(key, `The ${key.replace(/_/g, ' ')} field is required.`);
  return value;
}

/**
 * An object field sent as JSON (`{"meta": {...}}`), as a bracketed form field
 * (`meta[customer]=1`, which Express turns into an object) or as flat bracketed JSON keys.
 */
export function objectField(body: Body, key: string, errors: FieldErrors): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  const value = body[key];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.assign(out, value);
  else if (value !== undefined && value !== null && value !== '') errors.add(key, `The ${key} must be an object.`);
  const prefix = `${key}[`;
  for (const [name, v] of Object.entries(body)) {
    if (name.startsWith(prefix) && name.endsWith(']')) out[name.slice(prefix.length, -1)] = v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
