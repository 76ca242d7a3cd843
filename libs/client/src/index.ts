import { randomUUID } from 'node:crypto';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './openapi';

/**
 * The typed TypeScript client of the tutorhub API, generated from the gateway's OpenAPI document
 * (`apps/gateway/openapi.json` → `openapi.ts` with openapi-typescript, by `npm run
 * openapi:generate`) and driven by openapi-fetch. Every path, parameter, body and answer is
 * typed from the document, so a route or field the document gets wrong breaks the build of
 * whatever uses this client (tools/journey, the demo, the e2e suite, the bench).
 *
 * ```ts
 * const api = createTutorhubClient({ baseUrl: 'http://127.0.0.1:3000' });
 * const session = ok(await api.POST('/api/auth/login', { body: { email, password } }));
 * const booking = ok(await api.GET('/api/bookings/{id}', { params: { path: { id } }, ...auth(session.accessToken) }));
 * ```
 */
export type { components, operations, paths };
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type TutorhubClient = Client<paths>;

/** Called after every answer: `POST /api/bookings/{id}/accept`, milliseconds, status. */
export type Timing = (route: string, ms: number, status: number) => void;

export interface TutorhubClientOptions {
  /** The gateway's origin, e.g. `http://127.0.0.1:3000` (paths start with `/api`). */
  baseUrl: string;
  onTiming?: Timing;
  /** Adds an `Idempotency-Key` to every POST that has none (a retry then is safe). Default true. */
  idempotencyKeys?: boolean;
  /** Another fetch (tests, instrumentation); defaults to the global one. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * How many times a `503` with `Retry-After` is sent again, after the time it says (plus up to a
   * quarter more, so callers told the same second do not all come back at once). Only when a
   * retry is safe: the gateway did not start the request (`gateway.overloaded`, ADR 0017), or the
   * method is idempotent, or the request carries an `Idempotency-Key`. Default 5; 0 turns it off.
   */
  retries?: number;
  /** The longest single wait before a retry. Default 30 000 ms. */
  maxRetryDelayMs?: number;
  /** How to wait (tests); defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** The method and URL of each answer's request, for error messages. */
const REQUESTS = new WeakMap<Response, { method: string; url: string }>();

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Milliseconds a `Retry-After` (seconds or an HTTP date) asks for, or undefined. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Whether sending this again cannot do the work twice (see `TutorhubClientOptions.retries`). */
async function safeToRetry(request: Request, response: Response): Promise<boolean> {
  if (IDEMPOTENT_METHODS.has(request.method) || request.headers.has('idempotency-key')) return true;
  const problem = (await response
    .clone()
    .json()
    .catch(() => null)) as { code?: unknown } | null;
  return problem?.code === 'gateway.overloaded';
}

/** `fetch` that sends a request again after a `503` + `Retry-After` while that is safe. */
function retryingFetch(o: TutorhubClientOptions): (request: Request) => Promise<Response> {
  const send = o.fetch ?? ((request: Request) => fetch(request));
  const retries = o.retries ?? 5;
  const maxDelay = o.maxRetryDelayMs ?? 30_000;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      // Each attempt sends a copy: a body can be read once.
      const response = await send(attempt < retries ? request.clone() : request);
      if (response.status !== 503 || attempt >= retries) return response;
      const wait = retryAfterMs(response.headers.get('retry-after'));
      if (wait === undefined || !(await safeToRetry(request, response))) return response;
      await response.body?.cancel().catch(() => undefined);
      await sleep(Math.min(maxDelay, wait * (1 + Math.random() / 4)));
    }
  };
}

export function createTutorhubClient(o: TutorhubClientOptions): TutorhubClient {
  const client = createClient<paths>({ baseUrl: o.baseUrl.replace(/\/+$/, ''), headers: { accept: 'application/json' }, fetch: retryingFetch(o) });
  const started = new Map<string, number>();
  const middleware: Middleware = {
    onRequest({ request, id }) {
      if (o.idempotencyKeys !== false && request.method === 'POST' && !request.headers.has('idempotency-key')) {
        request.headers.set('idempotency-key', randomUUID());
      }
      if (o.onTiming) started.set(id, performance.now());
      return request;
    },
    onResponse({ request, response, schemaPath, id }) {
      const t0 = started.get(id);
      started.delete(id);
      REQUESTS.set(response, { method: request.method, url: request.url });
      if (o.onTiming && t0 !== undefined) o.onTiming(`${request.method} ${schemaPath}`, performance.now() - t0, response.status);
      return response;
    },
  };
  client.use(middleware);
  return client;
}

/** `Authorization: Bearer <token>` as request options: `api.GET('/api/me', auth(token))`. */
export function auth(token: string | undefined): { headers: Record<string, string> } {
  return { headers: token ? { authorization: `Bearer ${token}` } : {} };
}

/** What openapi-fetch answers: the parsed body on success, the problem on failure, and the response. */
export interface Answer<D, E> {
  data?: D;
  error?: E;
  response: Response;
}

/** An answer that was not what the caller expected, with the problem the API gave. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: unknown;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly response: { status: number; body: unknown; headers: Headers },
    expected: number[] | 'success',
  ) {
    super(`${method} ${url} answered ${response.status} (expected ${expected === 'success' ? '2xx' : expected.join('/')}): ${JSON.stringify(response.body)}`);
    this.status = response.status;
    this.problem = response.body;
  }

  /** The problem's `code` (`booking.slot_taken`), if the answer was a problem. */
  get code(): string | undefined {
    const code = (this.problem as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : undefined;
  }
}

/**
 * The body of a successful answer (or of one of `expect`'s statuses), else an ApiError carrying
 * the problem. `ok(await api.POST(...))`.
 */
export function ok<D, E>(answer: Answer<D, E>, expect?: number[]): D {
  const { response } = answer;
  const wanted = expect ? expect.includes(response.status) : response.ok;
  if (!wanted) {
    const request = REQUESTS.get(response);
    const url = new URL(request?.url || response.url || 'http://unknown/');
    throw new ApiError(request?.method ?? 'HTTP', `${url.pathname}${url.search}`, { status: response.status, body: answer.error ?? answer.data, headers: response.headers }, expect ?? 'success');
  }
  return answer.data as D;
}

/** The problem of a failed answer (or null), for callers that branch on its `code`. */
export function problemOf(answer: Answer<unknown, unknown>): { status: number; code?: string; body: unknown } | null {
  if (answer.response.ok) return null;
  const body = answer.error;
  const code = (body as { code?: unknown } | null)?.code;
  return { status: answer.response.status, ...(typeof code === 'string' ? { code } : {}), body };
}
