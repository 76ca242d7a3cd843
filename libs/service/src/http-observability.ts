import { randomUUID } from 'node:crypto';
import { METHODS } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { counter, histogram, runWithContext, type WorkContext } from '@tutorhub/platform';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A client-chosen id is used only when it is this well-formed (no log or header injection). */
export const REQUEST_ID_PATTERN = /^[\w.:-]{1,100}$/;

const LABELS = ['method', 'route', 'status_code'];
const requestSeconds = histogram('http_server_request_duration_seconds', 'HTTP requests served, by method, route template and status', LABELS);
const requests = counter('http_server_requests_total', 'HTTP requests served, by method, route template and status', LABELS);
const KNOWN_METHODS = new Set(METHODS);

/** The label of a request no route matched (404s, 405s, refusals before routing): one value, whatever the path. */
export const UNMATCHED_ROUTE = 'unmatched';
/** Probes and scrapes: counted in the metrics, but an access line each would drown the log. */
const QUIET = /^\/(health\/(live|ready)|metrics)$/;

type ObservedRequest = Request & { id?: unknown; actor?: { userId?: unknown } };

/** The caller's `X-Request-Id` (or the older `X-Correlation-Id`) when well-formed, else a new UUID. */
export function requestIdOf(req: Pick<Request, 'headers'>): string {
  for (const name of ['x-request-id', 'x-correlation-id']) {
    const value = req.headers[name];
    if (typeof value === 'string' && REQUEST_ID_PATTERN.test(value)) return value;
  }
  return randomUUID();
}

/** The route template Express matched (`/api/bookings/:id`), or `unmatched`: never the raw path. */
export function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` || '/' : UNMATCHED_ROUTE;
}

/**
 * The first middleware of every service's HTTP stack. It
 * - takes or makes the request id and answers it in `X-Request-Id` on every response (problems,
 *   404s, 405s, 413s and probes included, since it runs before anything can refuse);
 * - runs the rest of the request inside the work context, so every line the request causes
 *   (the RPC client's, the services' handlers' through the message headers) carries it as
 *   `correlationId`;
 * - writes one short access line per request (no headers, so nothing to redact) and records
 *   `http_server_request_duration_seconds` / `http_server_requests_total` by route template.
 */
export function httpObservability(logger: Logger): (req: Request, res: Response, next: NextFunction) => void {
  return (req: ObservedRequest, res, next) => {
    const started = process.hrtime.bigint();
    const id = requestIdOf(req);
    req.id = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    const work: WorkContext = { correlationId: id };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // A response the client hung up on before it was complete: nginx's 499.
      const status = res.writableFinished ? res.statusCode : 499;
      const method = KNOWN_METHODS.has(req.method) ? req.method : 'OTHER';
      const route = routeTemplate(req);
      const labels = { method, route, status_code: String(status) };
      requests.inc(labels);
      requestSeconds.observe(labels, seconds);
      const path = (req.originalUrl ?? req.url).split('?')[0];
      if (QUIET.test(path) && status < 500) return;
      const length = Number(res.getHeader('content-length'));
      const userId = req.actor?.userId;
      const line = {
        correlationId: id,
        method: req.method,
        path,
        route,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
        ...(Number.isFinite(length) ? { bytes: length } : {}),
        ...(typeof userId === 'string' ? { userId } : {}),
        // Express's req.ip: X-Forwarded-For only from the proxies TRUST_PROXY lists (ADR 0011).
        ip: req.ip,
      };
      const msg = `${req.method} ${path} ${status}`;
      if (status >= 500) logger.error(line, msg);
      else logger.info(line, msg);
    };
    res.once('finish', finish);
    res.once('close', finish);
    // Everything after this middleware, body parsers' callbacks included (the tests post JSON
    // bodies and check the id reached the service), runs inside the context.
    runWithContext(work, next);
  };
}
