import { randomUUID } from 'node:crypto';

/** A JSON HTTP client for the public API, as a mobile app would use it. */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
  ms: number;
}

export type Timing = (route: string, ms: number, status: number) => void;

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly response: ApiResponse,
    expected: number[],
  ) {
    super(`${method} ${path} answered ${response.status} (expected ${expected.join('/')}): ${JSON.stringify(response.body)}`);
  }
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly onTiming?: Timing,
  ) {}

  async request<T>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string>; route?: string; expect?: number[] } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST' && !headers['idempotency-key']) headers['idempotency-key'] = randomUUID();
    const started = performance.now();
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      redirect: 'manual',
    });
    const text = await res.text();
    const ms = performance.now() - started;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (HTML pages, SSE)
    }
    const response = { status: res.status, body: body as T, headers: res.headers, ms };
    this.onTiming?.(`${method} ${opts.route ?? path}`, ms, res.status);
    if (opts.expect && !opts.expect.includes(res.status)) throw new ApiError(method, path, response, opts.expect);
    return response;
  }

  get<T>(path: string, token?: string, route?: string) {
    return this.request<T>('GET', path, { token, route, expect: [200] });
  }

  post<T>(path: string, body: unknown, token?: string, route?: string, expect = [200, 201]) {
    return this.request<T>('POST', path, { token, body, route, expect });
  }

  put<T>(path: string, body: unknown, token?: string, route?: string) {
    return this.request<T>('PUT', path, { token, body, route, expect: [200] });
  }
}

/** Polls until `fn` yields a value (asynchronous effects travel through the broker). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
