import { randomUUID } from 'node:crypto';

export interface Reply<T = unknown> {
  status: number;
  body: T;
  text: string;
  contentType: string;
  /** The `Allow` header (405 answers), when present. */
  allow?: string;
  ms: number;
}

export interface RequestOptions {
  token?: string;
  /** JSON body (serialised here). */
  body?: unknown;
  /** A body sent as is (with `contentType`), for oversized or non-JSON payloads. */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Abort after this long (a hang is a failure, never a wait). */
  timeoutMs?: number;
}

/**
 * Every answer this process received, by status (0 = no answer: refused, reset or timed out),
 * with examples, so that a scenario can say what clients saw during a fault.
 */
export const seen = {
  byStatus: new Map<number, number>(),
  examples: new Map<number, string[]>(),
  /**
   * No-answers that were a kept-alive connection closed by the server under the request
   * (undici's UND_ERR_SOCKET), as opposed to refusals and timeouts (hangs).
   */
  socketClosed: 0,
  reset() {
    this.byStatus.clear();
    this.examples.clear();
    this.socketClosed = 0;
  },
  note(status: number, what: string) {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    const ex = this.examples.get(status) ?? [];
    if (ex.length < 5) ex.push(what.slice(0, 300));
    this.examples.set(status, ex);
  },
  summary(): Record<string, number> {
    return Object.fromEntries([...this.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
  },
};

/** One HTTP call; network errors (refused, reset, aborted) come back as status 0 with the message. */
export async function http<T = unknown>(base: string, method: string, path: string, o: RequestOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let payload: string | Buffer | undefined;
  if (o.raw !== undefined) {
    payload = o.raw;
    headers['content-type'] = o.contentType ?? 'application/json';
  } else if (o.body !== undefined) {
    payload = JSON.stringify(o.body);
    headers['content-type'] = o.contentType ?? 'application/json';
  }
  const started = performance.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: payload as BodyInit | undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs ?? 30000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    seen.note(res.status, `${method} ${path}: ${text}`);
    return { status: res.status, body: body as T, text, contentType: res.headers.get('content-type') ?? '', allow: res.headers.get('allow') ?? undefined, ms: performance.now() - started };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.cause?.code === 'UND_ERR_SOCKET') seen.socketClosed++;
    seen.note(0, `${method} ${path}: ${e.name} ${e.message} ${e.cause?.code ?? ''}`);
    return { status: 0, body: null as T, text: `${e.name}: ${e.message} ${e.cause?.code ?? ''}`, contentType: '', ms: performance.now() - started };
  }
}

export interface RetryPolicy {
  /** Give up (throw) after this long. */
  timeoutMs?: number;
  /** Statuses answered as final (success); anything else not retryable throws. */
  ok: number[];
  /** Problem codes that mean "not yet" (eventual consistency), retried like a 503. */
  retryCodes?: string[];
  /** Called with a final non-ok answer that is not retried; returning a value ends the call with it. */
  settle?: (r: Reply) => Promise<unknown | undefined> | unknown | undefined;
}

export class CallFailed extends Error {
  constructor(
    message: string,
    readonly last?: Reply,
  ) {
    super(message);
  }
}

/**
 * A client that behaves as a well-written mobile app does during an outage: every mutating call
 * carries one Idempotency-Key for all its attempts, network errors and 502/503/504 (and 409
 * `idempotency.in_progress`) are retried with backoff until a deadline, and nothing else is.
 */
export async function retrying<T = unknown>(base: () => string, method: string, path: string, o: RequestOptions, policy: RetryPolicy): Promise<Reply<T>> {
  const deadline = Date.now() + (policy.timeoutMs ?? 60000);
  const headers = { ...o.headers };
  if (method !== 'GET' && !headers['idempotency-key']) headers['idempotency-key'] = randomUUID();
  let delay = 100;
  let last: Reply | undefined;
  for (;;) {
    const r = await http<T>(base(), method, path, { ...o, headers, timeoutMs: o.timeoutMs ?? 45000 });
    last = r;
    if (policy.ok.includes(r.status)) return r;
    const code = (r.body as { code?: string } | null)?.code;
    const transient =
      r.status === 0 ||
      r.status === 502 ||
      r.status === 503 ||
      r.status === 504 ||
      r.status === 429 ||
      (r.status === 409 && code === 'idempotency.in_progress') ||
      (!!code && (policy.retryCodes ?? []).includes(code));
    if (!transient) {
      if (policy.settle) {
        const v = await policy.settle(r);
        if (v !== undefined) return v as Reply<T>;
      }
      throw new CallFailed(`${method} ${path} answered ${r.status}: ${r.text.slice(0, 500)}`, r);
    }
    if (Date.now() > deadline) throw new CallFailed(`${method} ${path} still failing after ${policy.timeoutMs ?? 60000} ms: ${r.status} ${r.text.slice(0, 300)}`, last);
    // A "not yet" 4xx is a complete answer, which the gateway keeps under its Idempotency-Key
    // and would replay to a retry with the same key: asking again is a new request, with a new
    // key. Only transport failures (no answer, 502/503/504, in progress) keep the key.
    if (r.status >= 400 && r.status < 500 && r.status !== 429 && !(r.status === 409 && code === 'idempotency.in_progress') && method !== 'GET') {
      headers['idempotency-key'] = randomUUID();
    }
    await new Promise((res) => setTimeout(res, delay));
    delay = Math.min(2000, Math.round(delay * 1.6));
  }
}

/** Polls `fn` until it yields a value; errors count as "not yet". Bounded. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
