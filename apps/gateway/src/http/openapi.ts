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
  '409': 'A request with the same `Idempotency-Key` is still in progress (`idempotency.in_progress`), or a state conflict.',
  '413': 'The request body is too large (`payload_too_large`).',
  '415': 'The request body is not JSON (`unsupported_media_type`).',
  '422': 'The `Idempotency-Key` was already used with a different request (`idempotency.key_reused`).',
  '429': 'Too many requests (`rate_limited`); see `Retry-After`.',
  '500': 'Unexpected error (`internal_error`); no details are disclosed.',
  '502': 'A downstream service failed (`upstream.error`).',
  '503': 'A downstream service did not answer in time or is unavailable (`upstream.timeout`, `upstream.unavailable`).',
};

const problemResponse = (status: string) => ({
  description: ERROR_DESCRIPTIONS[status] ?? 'Error',
  content: { 'application/problem+json': { schema: PROBLEM_REF } },
});

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
      for (const status of [...errors].sort()) if (!responses[status]) responses[status] = problemResponse(status);
    }
  }
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
