import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { X_PUBLIC, X_QUERY_TOKEN, X_ROLES } from './auth.decorators';
import { RAW_BODY_PATHS } from './constants';
import { zodComponentSchemas, type JsonSchema } from './zod';

export const OPENAPI_JSON_PATH = '/docs/openapi.json';
export const API_TITLE = 'tutorhub API';
export const API_VERSION = '1.0.0';

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

const ERROR_DESCRIPTIONS: Record<string, string> = {
  '400': 'Invalid request (`validation_failed` with `errors`, `malformed_json`).',
  '401': 'Missing, expired or invalid access token (`auth.unauthenticated`, `auth.token_expired`, `auth.token_invalid`).',
  '403': 'The caller\'s role may not do this (`auth.forbidden_role`).',
  '404': 'No such object, or not one the caller may see (`booking.not_found`, `session.not_found`, `notification.not_found`, …).',
  '409': 'A request with the same `Idempotency-Key` is still in progress (`idempotency.in_progress`), or a state conflict.',
  '413': 'The request body is too large (`payload_too_large`).',
  '415': 'The request body is not JSON (`unsupported_media_type`).',
  '422': 'The `Idempotency-Key` was already used with a different request (`idempotency.key_reused`).',
  '429': 'Too many requests (`rate_limited`); see `Retry-After`.',
  '500': 'Unexpected error (`internal_error`); no details are disclosed.',
  '502': 'A downstream service failed (`upstream.error`).',
  '503': 'A downstream service did not answer in time or is unavailable (`upstream.timeout`, `upstream.unavailable`).',
};

/** Problems a route answers beyond the cross-cutting ones (the gateway's own identity routes). */
const ROUTE_PROBLEMS: Record<string, Record<string, string>> = {
  'POST /api/auth/register': { '409': 'An account with this email exists (`auth.email_taken`).' },
  'POST /api/auth/login': { '401': 'Wrong email or password (`auth.invalid_credentials`).' },
  'POST /api/auth/refresh': { '401': 'The refresh token is unknown, expired or revoked, or was already used (`auth.refresh_token_invalid`, `auth.refresh_token_revoked`, `auth.refresh_token_reused`).' },
  'GET /api/me': { '404': 'The account no longer exists (`user.not_found`).' },
};

/** One realistic problem per status, so that no 401 is illustrated with a 400's body. */
const PROBLEM_EXAMPLES: Record<string, { title: string; code: string; detail: string; errors?: Array<{ path: string; message: string }> }> = {
  '400': { title: 'Bad Request', code: 'validation_failed', detail: '`notes`: Unknown field `sessionNotes`. Did you mean `notes`?', errors: [{ path: 'sessionNotes', message: 'Unknown field `sessionNotes`. Did you mean `notes`?' }] },
  '401': { title: 'Unauthorized', code: 'auth.unauthenticated', detail: 'Sign in first: send Authorization: Bearer <access token>.' },
  '403': { title: 'Forbidden', code: 'auth.forbidden_role', detail: 'Only a student may do this.' },
  '404': { title: 'Not Found', code: 'booking.not_found', detail: 'No such booking.' },
  '409': { title: 'Conflict', code: 'idempotency.in_progress', detail: 'A request with this Idempotency-Key is still in progress.' },
  '413': { title: 'Payload Too Large', code: 'payload_too_large', detail: 'The request body is too large.' },
  '415': { title: 'Unsupported Media Type', code: 'unsupported_media_type', detail: 'The request body must be JSON (Content-Type: application/json).' },
  '422': { title: 'Unprocessable Content', code: 'idempotency.key_reused', detail: 'This Idempotency-Key was used with a different request.' },
  '429': { title: 'Too Many Requests', code: 'rate_limited', detail: 'Too many requests; try again after the Retry-After delay.' },
  '500': { title: 'Internal Server Error', code: 'internal_error', detail: 'Something went wrong on our side.' },
  '502': { title: 'Bad Gateway', code: 'upstream.error', detail: 'A downstream service failed to handle the request.' },
  '503': { title: 'Service Unavailable', code: 'upstream.timeout', detail: 'A downstream service did not answer in time.' },
};

const problemResponse = (status: string, path: string) => {
  const ex = PROBLEM_EXAMPLES[status];
  return {
    description: ERROR_DESCRIPTIONS[status] ?? 'Error',
    content: {
      'application/problem+json': {
        schema: PROBLEM_REF,
        ...(ex ? { example: { type: 'about:blank', status: Number(status), ...ex, instance: path.replace(/\{[^}]+\}/g, '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b') } } : {}),
      },
    },
  };
};

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
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(API_TITLE)
    .setDescription(
      'HTTP API of the tutorhub live-tutoring marketplace (gateway). JSON in and out; times are ISO-8601 UTC; ' +
        'money is `{ amountMinor, currency }` in integer minor units. Errors are RFC 9457 `application/problem+json` ' +
        'with a stable `code`. Mutating POSTs accept an `Idempotency-Key` header.',
    )
    .setVersion(API_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /api/auth/login.' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` });
  return finalise(document);
}

function finalise(document: OpenAPIObject): OpenAPIObject {
  const components = (document.components ??= {});
  components.schemas = { ...zodComponentSchemas(), ...(components.schemas ?? {}), Problem: PROBLEM_SCHEMA as never };
  components.securitySchemes = {
    ...(components.securitySchemes ?? {}),
    accessTokenQuery: { type: 'apiKey', in: 'query', name: 'access_token', description: 'Access token in the URL; only on streams (EventSource cannot set headers).' },
  };
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

      const errors = new Set<string>(['429', '500']);
      if (op.requestBody || (op.parameters ?? []).length > 0) errors.add('400');
      if (op.requestBody) errors.add('413');
      if (op.requestBody && !RAW_BODY_PATHS.some((p) => path.startsWith(p))) errors.add('415');
      if (!isPublic) errors.add('401');
      if (roles.length > 0) errors.add('403');
      if (path.includes('{')) errors.add('404');
      const specific = ROUTE_PROBLEMS[`${method.toUpperCase()} ${path}`] ?? {};
      for (const status of Object.keys(specific)) errors.add(status);
      if (path.startsWith('/api/') && !path.startsWith('/api/auth/')) ['502', '503'].forEach((s) => errors.add(s));
      if (method === 'post' && !isPublic) {
        ['409', '422'].forEach((s) => errors.add(s));
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
      for (const status of [...errors].sort()) {
        if (responses[status]) continue;
        const own = specific[status];
        responses[status] = own ? { ...problemResponse(status, path), description: own } : problemResponse(status, path);
      }
      const tags = Array.isArray(op.tags) ? (op.tags as string[]) : [];
      if (tags.includes('admin')) op.tags = ['admin'];
    }
  }
  addFormatExamples(document.components.schemas);
  addFormatExamples(document.paths);
  return document;
}

/** Swagger UI at /docs and the document at /docs/openapi.json (outside the /api prefix). */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    raw: ['json'],
    customSiteTitle: 'tutorhub API',
  });
  return document;
}
