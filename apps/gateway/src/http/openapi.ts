import type { INestApplication } from '@nestjs/common';
// The one module that loads @nestjs/swagger: it builds the document, which only
// `npm run openapi:generate` and the tests do. The running gateway serves the committed copy
// (openapi-ui.ts) and never imports this file (issue 15, ADR 0021).
import * as swagger from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEMS, problemsByStatus } from '@tutorhub/contracts';
import { HealthController, MetricsController } from '@tutorhub/service';
import { X_PUBLIC, X_QUERY_TOKEN, X_ROLES } from './auth.decorators';
import { X_RPC } from './forwards';
import { RAW_BODY_PATHS } from './constants';
import { isNeverShed } from './load-shedding';
import { applyRecordedOpenApiDecorators } from './openapi-decorators';
import { API_TITLE, API_VERSION } from './openapi-ui';
import { zodComponentSchemas, type JsonSchema } from './zod';

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** RFC 9457 problem details, as every error of the API is answered. */
const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json). `code` is the stable machine-readable error.',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', examples: ['validation_failed', 'auth.unauthenticated', 'booking.not_found'] },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Field errors of a `validation_failed` problem.',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
    details: { type: 'object', additionalProperties: true },
  },
};

/** On every response (libs/service http-observability.ts sets it before anything can answer). */
const REQUEST_ID_HEADER = {
  description:
    'The id of this request in the logs: the `X-Request-Id` the client sent when it was 1–100 of `A-Z a-z 0-9 _ . : -`, otherwise a UUID made up by the gateway.',
  schema: { type: 'string', pattern: '^[\\w.:-]{1,100}$', examples: ['3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b'] },
} as const;

/** A problem a route may answer: its code and when it happens. */
interface RouteProblem {
  code: string;
  description: string;
}

const TITLES: Record<string, string> = {
  '400': 'Bad Request',
  '401': 'Unauthorized',
  '403': 'Forbidden',
  '404': 'Not Found',
  '409': 'Conflict',
  '413': 'Content Too Large',
  '415': 'Unsupported Media Type',
  '422': 'Unprocessable Content',
  '429': 'Too Many Requests',
  '500': 'Internal Server Error',
  '502': 'Bad Gateway',
  '503': 'Service Unavailable',
};

/** The gateway's own problems, answered on every route where they apply (see `finalise`). */
const GATEWAY_PROBLEMS = {
  validation_failed: { code: 'validation_failed', description: 'A field is invalid; `errors` lists each with its `path` and a message for people.' },
  malformed_json: { code: 'malformed_json', description: 'The body is not valid JSON.' },
  'auth.unauthenticated': { code: 'auth.unauthenticated', description: 'No access token.' },
  'auth.token_expired': { code: 'auth.token_expired', description: 'The access token has expired: refresh it.' },
  'auth.token_invalid': { code: 'auth.token_invalid', description: 'The access token is not one we issued.' },
  'auth.token_revoked': { code: 'auth.token_revoked', description: 'The session of the access token has ended (logout, or a reused refresh token): log in again.' },
  'auth.forbidden_role': { code: 'auth.forbidden_role', description: 'The caller’s role may not do this.' },
  'idempotency.in_progress': { code: 'idempotency.in_progress', description: 'A request with the same Idempotency-Key is still in progress.' },
  'idempotency.key_reused': { code: 'idempotency.key_reused', description: 'The Idempotency-Key was already used with a different request.' },
  payload_too_large: { code: 'payload_too_large', description: 'The body is larger than BODY_LIMIT.' },
  unsupported_media_type: { code: 'unsupported_media_type', description: 'The body is not JSON.' },
  rate_limited: { code: 'rate_limited', description: 'Too many requests; see Retry-After.' },
  internal_error: { code: 'internal_error', description: 'Unexpected error; no details are disclosed.' },
  'upstream.error': { code: 'upstream.error', description: 'A downstream service failed.' },
  'upstream.timeout': { code: 'upstream.timeout', description: 'A downstream service did not answer in time.' },
  'upstream.unavailable': { code: 'upstream.unavailable', description: 'A downstream service is unavailable.' },
  'gateway.overloaded': {
    code: 'gateway.overloaded',
    description: 'The gateway is saturated and did not start this request (ADR 0017): send it again, POSTs included, after Retry-After seconds.',
  },
} satisfies Record<string, RouteProblem>;

/** Problems the gateway itself answers on particular routes (identity is the gateway's own). */
const GATEWAY_ROUTE_PROBLEMS: Record<string, Array<RouteProblem & { status: number }>> = {
  'POST /api/auth/register': [{ status: 409, code: 'auth.email_taken', description: 'An account with this email exists.' }],
  'POST /api/auth/login': [
    { status: 401, code: 'auth.invalid_credentials', description: 'Wrong email or password.' },
    { status: 429, code: 'auth.login_throttled', description: 'Too many failed logins for this account: wait Retry-After seconds (bounded; never a lockout).' },
  ],
  'POST /api/auth/refresh': [
    { status: 401, code: 'auth.refresh_token_invalid', description: 'The refresh token is unknown or expired.' },
    { status: 401, code: 'auth.refresh_token_revoked', description: 'The session was ended (logout, or a reused token).' },
    { status: 401, code: 'auth.refresh_token_reused', description: 'The refresh token was already used: the session is ended, its access tokens refused at once.' },
    { status: 401, code: 'auth.refresh_token_expired', description: 'The refresh token has expired: log in again.' },
  ],
  'GET /api/me': [{ status: 404, code: 'user.not_found', description: 'The account no longer exists.' }],
  'GET /api/payments/chapa/return': [{ status: 404, code: 'payment.not_found', description: 'No payment has this reference.' }],
  'GET /api/notifications/stream': [{ status: 429, code: 'notifications.too_many_streams', description: 'Too many open streams for this user.' }],
};

/** A realistic detail for an example of each code the gateway answers itself. */
const EXAMPLE_DETAIL: Record<string, string> = {
  validation_failed: '`sessionNotes`: Unknown field `sessionNotes`. Did you mean `notes`?',
  'auth.unauthenticated': 'Sign in first: send Authorization: Bearer <access token>.',
};

const EXAMPLE_ID = '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b';

/** The response for one status: every code it may carry, each with an example of its own. */
function problemResponse(status: string, path: string, problems: RouteProblem[]) {
  const instance = path.replace(/\{[^}]+\}/g, EXAMPLE_ID);
  const examples = Object.fromEntries(
    problems.map((p) => [
      p.code,
      {
        summary: p.description,
        value: {
          type: 'about:blank',
          title: TITLES[status] ?? 'Error',
          status: Number(status),
          code: p.code,
          detail: EXAMPLE_DETAIL[p.code] ?? p.description,
          ...(p.code === 'validation_failed' ? { errors: [{ path: 'sessionNotes', message: 'Unknown field `sessionNotes`. Did you mean `notes`?' }] } : {}),
          instance,
        },
      },
    ]),
  );
  return {
    description: problems.map((p) => `\`${p.code}\`: ${p.description}`).join('\n\n') || TITLES[status] || 'Error',
    content: { 'application/problem+json': { schema: PROBLEM_REF, ...(problems.length ? { examples } : {}) } },
  };
}

/** Tags in the order a reader meets them; each operation under one tag (admin routes under `admin` only). */
const TAGS: Array<{ name: string; description: string }> = [
  { name: 'meta', description: 'Where to start.' },
  { name: 'auth', description: 'Accounts, sign-in and tokens.' },
  { name: 'tutors', description: 'Tutor profiles and search.' },
  { name: 'bookings', description: 'Requesting, accepting, cancelling and reviewing lessons; disputes.' },
  { name: 'payments', description: 'Paying through Chapa; the escrow; Chapa’s webhook, callback and return page.' },
  { name: 'sessions', description: 'The video session (Agora tokens) and attendance.' },
  { name: 'wallet', description: 'A tutor’s earnings and withdrawals.' },
  { name: 'notifications', description: 'Inbox, live stream and push devices.' },
  { name: 'admin', description: 'Operators: escrow, refunds, disputes.' },
];

/** Realistic examples for formats a UI would otherwise fill from the regex (kilobytes of noise for an email). */
const FORMAT_EXAMPLES: Record<string, unknown> = {
  email: 'amina.bekele@example.com',
  uuid: '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b',
  'date-time': '2027-01-15T09:00:00Z',
  uri: 'https://example.com/',
};

function addFormatExamples(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(addFormatExamples);
  if (!node || typeof node !== 'object') return;
  const o = node as JsonSchema;
  if (typeof o.format === 'string' && FORMAT_EXAMPLES[o.format] !== undefined && o.examples === undefined && o.example === undefined && o.type === 'string') {
    o.examples = [FORMAT_EXAMPLES[o.format]];
  }
  for (const v of Object.values(o)) addFormatExamples(v);
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

type Operation = {
  parameters?: Array<{ name?: string; in?: string }>;
  requestBody?: unknown;
  responses?: Record<string, unknown>;
  security?: Array<Record<string, string[]>>;
  [extension: string]: unknown;
};

/**
 * Builds the OpenAPI 3.1 document from the controllers (schemas come from the zod contracts
 * via the ZodBody/ZodQuery/ZodParam/ApiZodResponse decorators), then makes the cross-cutting
 * behaviour explicit on every operation: bearer auth unless public, the problem+json error
 * responses it can produce, and the Idempotency-Key header on authenticated POSTs.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  // The routes' OpenAPI decorators only recorded themselves (openapi-decorators.ts): swagger's
  // metadata is written now, once, before the scan reads it.
  applyRecordedOpenApiDecorators(swagger);
  const config = new swagger.DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(API_TITLE)
    .setDescription(
      'HTTP API of the tutorhub live-tutoring marketplace (gateway). JSON in and out; times are ISO-8601 UTC; ' +
        'money is `{ amountMinor, currency }` in integer minor units. Errors are RFC 9457 `application/problem+json` ' +
        'with a stable `code`. Mutating POSTs accept an `Idempotency-Key` header. Every response carries `X-Request-Id`: ' +
        'the id the client sent in `X-Request-Id` (1–100 of `A-Z a-z 0-9 _ . : -`), else one the gateway made up; quote it when reporting a problem.',
    )
    .setVersion(API_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /api/auth/login.' }, 'bearer')
    .build();
  // Probes and the scrape endpoint are operators' business, not the API. They are marked here, not
  // with the decorator on their classes in libs/service: that import alone made every service load
  // @nestjs/swagger and its dependencies (≈ 530 modules) at start, for a document only the gateway
  // builds (issue 15, idle memory).
  for (const controller of [HealthController, MetricsController]) swagger.ApiExcludeController()(controller);
  const document = swagger.SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` });
  return finalise(document);
}

function finalise(document: OpenAPIObject): OpenAPIObject {
  const components = (document.components ??= {});
  components.schemas = { ...zodComponentSchemas(), ...(components.schemas ?? {}), Problem: PROBLEM_SCHEMA as never };
  components.securitySchemes = {
    ...(components.securitySchemes ?? {}),
    accessTokenQuery: { type: 'apiKey', in: 'query', name: 'access_token', description: 'Access token in the URL; only on streams (EventSource cannot set headers).' },
  };
  components.headers = { ...(components.headers ?? {}), RequestId: REQUEST_ID_HEADER };
  document.security = [{ bearer: [] }];
  document.tags = TAGS;

  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const op = (item as Record<string, unknown>)[method] as Operation | undefined;
      if (!op) continue;
      const isPublic = op[X_PUBLIC] === true;
      const roles = Array.isArray(op[X_ROLES]) ? (op[X_ROLES] as string[]) : [];
      const queryToken = op[X_QUERY_TOKEN] === true;
      delete op[X_PUBLIC];
      delete op[X_QUERY_TOKEN];

      if (isPublic) op.security = [];
      else if (queryToken) op.security = [{ bearer: [] }, { accessTokenQuery: [] }];
      else delete op.security; // the document-wide bearer requirement applies

      // Every problem this route may answer, by status: the gateway's own, then the services'
      // from the catalogue in libs/contracts (problems.ts) for the RPC patterns it forwards to.
      const byStatus = new Map<string, RouteProblem[]>();
      const add = (status: number | string, p: RouteProblem) => {
        const list = byStatus.get(String(status)) ?? [];
        if (!list.some((x) => x.code === p.code)) list.push(p);
        byStatus.set(String(status), list);
      };
      const g = GATEWAY_PROBLEMS;
      // An operation without a body refuses one (NoBodyInterceptor): validation_failed too.
      const refusesBody = !op.requestBody && ['post', 'put', 'patch', 'delete'].includes(method) && !RAW_BODY_PATHS.some((p) => path.startsWith(p));
      if (op.requestBody || refusesBody || (op.parameters ?? []).length > 0) add(400, g.validation_failed);
      if (op.requestBody && !RAW_BODY_PATHS.some((p) => path.startsWith(p))) add(400, g.malformed_json);
      if (!isPublic) for (const c of ['auth.unauthenticated', 'auth.token_expired', 'auth.token_invalid', 'auth.token_revoked'] as const) add(401, g[c]);
      if (roles.length > 0) add(403, g['auth.forbidden_role']);
      for (const p of GATEWAY_ROUTE_PROBLEMS[`${method.toUpperCase()} ${path}`] ?? []) add(p.status, p);
      const patterns = Array.isArray(op[X_RPC]) ? (op[X_RPC] as string[]) : [];
      delete op[X_RPC];
      for (const [status, codes] of Object.entries(problemsByStatus(patterns))) {
        for (const code of codes) add(status, { code, description: PROBLEMS[code].description });
      }
      if (method === 'post' && !isPublic) {
        add(409, g['idempotency.in_progress']);
        add(422, g['idempotency.key_reused']);
      }
      if (op.requestBody) add(413, g.payload_too_large);
      if (op.requestBody && !RAW_BODY_PATHS.some((p) => path.startsWith(p))) add(415, g.unsupported_media_type);
      add(429, g.rate_limited);
      add(500, g.internal_error);
      if (path.startsWith('/api/') && !path.startsWith('/api/auth/') && path !== '/api' && path !== '/api/me') {
        add(502, g['upstream.error']);
        add(503, g['upstream.timeout']);
        add(503, g['upstream.unavailable']);
      }
      // The session check of every authenticated request reads the gateway's database (ADR 0015).
      if (!isPublic && path.startsWith('/api/')) add(503, g['upstream.unavailable']);
      // Load shedding (ADR 0017): every /api route but the webhooks and the stream.
      if (path.startsWith('/api') && !isNeverShed(path)) add(503, g['gateway.overloaded']);
      if (method === 'post' && !isPublic) {
        op.parameters = [
          ...(op.parameters ?? []).filter((p) => !(p.in === 'header' && p.name?.toLowerCase() === 'idempotency-key')),
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Makes a retry safe: the same key with the same body replays the first answer (with `Idempotent-Replayed: true`); ' +
              'with a different body it is refused (422). 1–200 printable ASCII characters, kept per user.',
            schema: { type: 'string', minLength: 1, maxLength: 200 },
          } as never,
        ];
      }
      const responses = (op.responses ??= {});
      for (const status of [...byStatus.keys()].sort()) {
        const generated = problemResponse(status, path, byStatus.get(status) ?? []);
        const existing = responses[status] as { content?: Record<string, unknown> } | undefined;
        // A route that documents this status itself (the return page's HTML 404) keeps its other media types.
        responses[status] = existing?.content ? { ...generated, content: { ...existing.content, ...generated.content } } : generated;
      }
      for (const response of Object.values(responses) as Array<{ headers?: Record<string, unknown> }>) {
        response.headers = { ...(response.headers ?? {}), 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };
      }
      const tags = Array.isArray(op.tags) ? (op.tags as string[]) : [];
      if (tags.includes('admin')) op.tags = ['admin'];
    }
  }
  addFormatExamples(document.components.schemas);
  addFormatExamples(document.paths);
  return document;
}
