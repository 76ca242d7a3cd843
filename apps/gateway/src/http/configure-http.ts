import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { raw } from 'express';
import helmet from 'helmet';
import { AppError } from '@tutorhub/platform';
import { trustProxyEntries, type GatewayConfig } from '../config';
import type { AuthenticatedRequest } from './auth.decorators';
import { AllowedMethods } from './allowed-methods';
import { API_PREFIX, RAW_BODY_PATHS } from './constants';
import { LoadShedding } from './load-shedding';
import { isDocsPath, serveOpenApi } from './openapi-ui';

const JSON_TYPES = ['application/json', 'application/*+json'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Express `trust proxy` from TRUST_PROXY (validated in config.ts): the listed addresses only, or
 * `false` (no proxy header trusted) when none are listed.
 */
export function trustProxySetting(value: string): false | string[] {
  const entries = trustProxyEntries(value);
  return entries.length ? entries : false;
}

/**
 * HTTP setup of the gateway, applied by `createServiceApp` (production and tests alike):
 * proxy trust, security headers, the in-flight limit (load shedding), JSON-only bodies with a size limit (raw bytes on webhook
 * routes), the `/api` prefix (health and metrics stay at the root), and Swagger UI with the
 * committed OpenAPI document at /docs.
 * Errors raised here (413, 400 malformed JSON, 415) go through the ProblemFilter.
 */
export function configureGatewayHttp(app: NestExpressApplication, config: GatewayConfig): void {
  app.set('trust proxy', trustProxySetting(config.TRUST_PROXY));
  app.use(stripQueryToken);
  app.use(helmet());
  app.use(notFoundOutsideKnownRoots);
  // Known path, wrong method: 405 with Allow (the map is read from the router at start).
  const allowedMethods = app.get(AllowedMethods).middleware();
  app.use(allowedMethods);
  // Before the body is read: a shed request costs next to nothing (ADR 0017).
  app.use(app.get(LoadShedding).middleware());
  app.use(requireJsonBody);
  for (const path of RAW_BODY_PATHS) app.use(path, raw({ type: () => true, limit: config.BODY_LIMIT }));
  // Registered before Nest's default parser, which then stays out (it checks by name).
  app.useBodyParser('json', { limit: config.BODY_LIMIT, type: JSON_TYPES });
  app.useBodyParser('urlencoded', { limit: config.BODY_LIMIT, extended: false });
  applyGlobalPrefix(app);
  serveOpenApi(app);
}

/** `/api` on every route except the probes and the scrape endpoint. */
export function applyGlobalPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready', 'metrics'] });
}

/**
 * `?access_token=` (EventSource clients) is taken off the URL before anything else sees it —
 * request logs, problem `instance`s, metrics — and kept on the request for the AuthGuard, which
 * honours it only on @AllowQueryToken routes.
 */
function stripQueryToken(req: Request, _res: Response, next: NextFunction): void {
  const q = req.url.indexOf('?');
  if (q < 0 || !req.url.includes('access_token')) return next();
  const strip = (url: string) => {
    const i = url.indexOf('?');
    if (i < 0) return url;
    const params = new URLSearchParams(url.slice(i + 1));
    params.delete('access_token');
    const rest = params.toString();
    return `${url.slice(0, i)}${rest ? `?${rest}` : ''}`;
  };
  const token = new URLSearchParams(req.url.slice(q + 1)).get('access_token');
  if (token) (req as AuthenticatedRequest).queryAccessToken = token;
  req.url = strip(req.url);
  req.originalUrl = strip(req.originalUrl);
  next();
}

/**
 * Where the gateway serves anything at all outside `/api` (whose misses Nest answers): the
 * probes, the scrape endpoint and the docs with Swagger UI's files. Anything else gets a 404
 * problem instead of Express's HTML page.
 */
const OUTSIDE_API = [/^\/health\/(live|ready)$/, /^\/metrics$/];

function notFoundOutsideKnownRoots(req: Request, _res: Response, next: NextFunction): void {
  if (req.path === `/${API_PREFIX}` || req.path.startsWith(`/${API_PREFIX}/`) || OUTSIDE_API.some((re) => re.test(req.path)) || isDocsPath(req.path)) return next();
  next(new AppError(404, 'not_found', `Cannot ${req.method} ${req.path}`));
}

/** A body on an /api route must be JSON (415 otherwise); webhook routes take whatever the sender signs. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (!BODY_METHODS.has(req.method) || !req.path.startsWith(`/${API_PREFIX}/`)) return next();
  if (RAW_BODY_PATHS.some((p) => req.path === p || req.path.startsWith(`${p}/`))) return next();
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (hasBody && !req.is(JSON_TYPES)) {
    return next(new AppError(415, 'unsupported_media_type', 'The request body must be JSON (Content-Type: application/json).'));
  }
  next();
}
