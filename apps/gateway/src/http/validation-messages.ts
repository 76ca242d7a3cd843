import type { z } from 'zod';

/**
 * How the gateway words a refused request. Messages are written for the person reading the
 * problem (a mobile developer, or the student the app shows them to), never zod's own wording
 * ("Invalid input: expected string, received undefined"). A message a contract schema chose
 * itself (`.min(1, '…')`, `.refine(…, '…')`) takes precedence over these: zod applies a
 * schema's message before the per-parse map this module provides.
 */

export interface FieldError {
  path: string;
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored as text, or undefined if it can. Postgres refuses the NUL
 * character in `text` and `jsonb` (the request would fail deep in a service, as a 5xx), and a
 * lone UTF-16 surrogate has no UTF-8 encoding (it would be stored as U+FFFD, silently changed).
 */
export function unstorableText(value: string): string | undefined {
  if (value.includes('\u0000')) return 'Contains a NUL character (\\u0000), which cannot be stored. Remove it and send the text again.';
  if (LONE_SURROGATE.test(value)) return 'Contains an unpaired UTF-16 surrogate, which is not valid Unicode text. Send the text as valid UTF-8.';
  return undefined;
}

const MAX_WALK_DEPTH = 64;

/**
 * Every string (and object key) of a JSON value, query or parameter that cannot be stored,
 * with its path (`notes`, `hourlyRate.currency`, `subjects.2`, `query.tx_ref`).
 */
export function findUnstorableText(value: unknown, prefix: string[] = []): FieldError[] {
  const found: FieldError[] = [];
  const walk = (node: unknown, path: string[], depth: number): void => {
    if (found.length >= 20 || depth > MAX_WALK_DEPTH) return;
    if (typeof node === 'string') {
      const why = unstorableText(node);
      if (why) found.push({ path: joinPath(path), message: why });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, String(i)], depth + 1));
      return;
    }
    if (node && typeof node === 'object') {
      for (const [key, item] of Object.entries(node as Record<string, unknown>)) {
        const why = unstorableText(key);
        if (why) found.push({ path: joinPath([...path, printable(key)]), message: `The field name ${why.charAt(0).toLowerCase()}${why.slice(1)}` });
        else walk(item, [...path, key], depth + 1);
      }
    }
  };
  walk(value, prefix, 0);
  return found;
}

export function joinPath(path: ReadonlyArray<string | number>): string {
  return path.map(String).filter((p) => p !== '').join('.');
}

/** A key as it may be shown back: without the characters that made it unstorable. */
function printable(key: string): string {
  return JSON.stringify(key).slice(1, -1);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
  null: 'null',
  undefined: 'nothing',
};

function received(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'string') return 'text';
  if (typeof input === 'number') return Number.isInteger(input) ? 'a whole number' : 'a number';
  if (typeof input === 'boolean') return input ? 'true' : 'false';
  if (typeof input === 'object') return 'an object';
  return typeof input;
}

const FORMATS: Record<string, string> = {
  email: 'Must be an email address, such as amina@example.com.',
  uuid: 'Must be an id in UUID form, such as 3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b.',
  guid: 'Must be an id in UUID form, such as 3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b.',
  datetime: 'Must be a date and time in ISO 8601 UTC, such as 2027-01-15T09:00:00Z.',
  date: 'Must be a date in ISO 8601, such as 2027-01-15.',
  time: 'Must be a time of day, such as 09:30.',
  url: 'Must be a URL, such as https://example.com/page.',
  regex: 'Does not have the expected form.',
};

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => `\`${String(v)}\``).join(', ');
}

/** Levenshtein distance, small strings only (field names). */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/**
 * The known field a mistyped one most likely meant: same letters in another case, a name that
 * contains it or is contained in it (`sessionNotes` → `notes`), or a small edit away (`fullname`,
 * `ful_name` → `fullName`). Undefined when nothing is close.
 */
export function nearestField(unknown: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, '');
  const u = norm(unknown);
  if (!u) return undefined;
  let best: { key: string; score: number } | undefined;
  for (const key of known) {
    const k = norm(key);
    let score: number;
    if (k === u) score = 0;
    else if (k.length >= 3 && (u.endsWith(k) || u.startsWith(k))) score = 1;
    else if (u.length >= 3 && (k.endsWith(u) || k.startsWith(u))) score = 1;
    else {
      const d = distance(u, k);
      score = d <= Math.max(1, Math.floor(Math.max(u.length, k.length) / 3)) ? 1 + d : Infinity;
    }
    if (score < (best?.score ?? Infinity)) best = { key, score };
  }
  return best?.key;
}

type RawIssue = z.core.$ZodRawIssue & { inst?: unknown; input?: unknown };

/** The property names an object schema knows (`strictObject`, `object`, after `omit`/`extend`). */
function knownKeys(inst: unknown): string[] {
  const def = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
  return def?.shape ? Object.keys(def.shape) : [];
}

/** One refused unknown field: its full path and what to write instead. */
export function unknownFieldError(prefix: ReadonlyArray<string | number>, key: string, known: readonly string[]): FieldError {
  const near = nearestField(key, known);
  const hint = near
    ? ` Did you mean \`${near}\`?`
    : known.length > 0
      ? ` The fields accepted here are ${quoteList(known)}.`
      : ' This object takes no fields.';
  return { path: joinPath([...prefix, key]), message: `Unknown field \`${key}\`.${hint}` };
}

/**
 * The per-parse error map for `safeParse(value, { error })`. Unknown keys are worded per key by
 * the pipe (which also gives each its own path); here they only get a fallback.
 */
export function humanMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'This field is required.';
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return `Must be ${expected}, not ${received(issue.input)}.`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? 'Must not be empty.' : `Must be at least ${min} characters long.`;
      if (issue.origin === 'array' || issue.origin === 'set') return min <= 1 ? 'Must list at least one item.' : `Must list at least ${min} items.`;
      return issue.inclusive === false ? `Must be greater than ${min}.` : `Must be at least ${min}.`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `Must be at most ${max} characters long.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Must list at most ${max} items.`;
      return issue.inclusive === false ? `Must be less than ${max}.` : `Must be at most ${max}.`;
    }
    case 'invalid_format': {
      const format = (issue as { format?: string }).format ?? '';
      return FORMATS[format] ?? `Must be a valid ${format.replace(/_/g, ' ')}.`;
    }
    case 'invalid_value': {
      const values = (issue as { values?: unknown[] }).values ?? [];
      return values.length === 1 ? `Must be ${quoteList(values)}.` : `Must be one of ${quoteList(values)}.`;
    }
    case 'not_multiple_of':
      return `Must be a multiple of ${String((issue as { divisor?: unknown }).divisor)}.`;
    case 'unrecognized_keys': {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      return keys.map((k) => unknownFieldError([], k, knownKeys(issue.inst)).message).join(' ');
    }
    case 'invalid_union':
      return 'Does not match any of the accepted forms.';
    case 'invalid_key':
      return 'Has a key that is not accepted.';
    case 'invalid_element':
      return 'Has an element that is not accepted.';
    case 'custom':
      return 'Is not valid here.';
    default:
      return undefined;
  }
}

/**
 * Parses with human messages and turns each unknown key into its own error at its own path
 * (`fullname` → path `fullname`, "did you mean `fullName`?"; zod reports them all at the
 * object's path, `""` for the body itself).
 */
export function parseForPeople<S extends z.ZodType>(schema: S, value: unknown, prefix: string): { success: true; data: z.output<S> } | { success: false; errors: FieldError[] } {
  const unknownAt = new Map<string, string[]>();
  const result = schema.safeParse(value, {
    error: (issue) => {
      const raw = issue as RawIssue;
      if (raw.code === 'unrecognized_keys') unknownAt.set(JSON.stringify((raw.path ?? []).map(String)), knownKeys(raw.inst));
      return humanMessage(raw);
    },
  });
  if (result.success) return { success: true, data: result.data };
  const errors: FieldError[] = [];
  for (const issue of result.error.issues) {
    const path = [prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      const known = unknownAt.get(JSON.stringify(issue.path.map(String))) ?? [];
      for (const key of issue.keys) errors.push(unknownFieldError(path, key, known));
    } else {
      errors.push({ path: joinPath(path), message: sentence(issue.message) });
    }
  }
  return { success: false, errors };
}

/** A contract's own message (`must be at least 12 characters`) as a sentence. */
function sentence(message: string): string {
  const m = message.trim();
  if (!m) return 'Is not valid here.';
  const capital = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
