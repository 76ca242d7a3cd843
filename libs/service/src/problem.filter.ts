import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response, Request } from 'express';
import { RpcError } from '@tutorhub/messaging';
import { currentContext, problem, runWithContext, toProblem, type ProblemBody } from '@tutorhub/platform';

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/**
 * Every error leaves as RFC 9457 application/problem+json with a stable `code`. Unknown errors
 * are logged with their stack and answered with a bare 500: no internals ever reach a client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const body = this.toBody(exception);
    if (body.status >= 500) {
      const cause = body.code === 'internal_error' ? ((exception as Error)?.stack ?? String(exception)) : `${body.code}: ${describe(exception)}`;
      const line = `${req.method} ${req.path} → ${body.status} ${body.code}: ${cause}`;
      // The line carries the request's `correlationId` as a field (the logger's mixin), which ties
      // it to the access line and the services' lines. The request's context is always there
      // (http-observability runs first); should it not be, the request id is put back for this line.
      const requestId = (req as Request & { id?: unknown }).id;
      if (currentContext() || typeof requestId !== 'string') this.logger.error(line);
      else runWithContext({ correlationId: requestId }, () => this.logger.error(line));
    }
    if (res.headersSent) return;
    if (body.status === 429 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '60');
    // Read-your-writes (ADR 0006): "not yet" says when to ask again.
    if (body.status === 409 && body.code.endsWith('.not_ready')) {
      const hint = (body.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      res.setHeader('Retry-After', String(typeof hint === 'number' && hint > 0 ? Math.ceil(hint) : 1));
    }
    res.status(body.status).type('application/problem+json').send(JSON.stringify({ ...body, instance: req.originalUrl ?? req.url }));
  }

  private toBody(exception: unknown): ProblemBody {
    if (exception instanceof RpcError) return rpcProblem(exception);
    // Nest 12's Express adapter wraps body-parser errors in an HttpException whose cause is the original.
    const parserError = bodyParserProblem(exception instanceof HttpException ? exception.cause : undefined);
    if (parserError) return parserError;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse() as string | { message?: unknown; code?: unknown; errors?: unknown };
      if (typeof response === 'object' && typeof response.code === 'string') {
        const detail = typeof response.message === 'string' ? response.message : undefined;
        return problem(status, response.code, detail, Array.isArray(response.errors) ? { errors: response.errors } : {});
      }
      const message = typeof response === 'string' ? response : response.message;
      const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
      return problem(status, HTTP_CODES[status] ?? (status >= 500 ? 'internal_error' : 'error'), detail);
    }
    return bodyParserProblem(exception) ?? toProblem(exception);
  }
}

/** body-parser errors (malformed JSON, too large) carry status + type rather than being HttpExceptions. */
function bodyParserProblem(exception: unknown): ProblemBody | undefined {
  const e = exception as { status?: number; type?: string; expose?: boolean } | undefined;
  if (typeof e?.status === 'number' && typeof e.type === 'string' && e.expose && e.status >= 400 && e.status < 500) {
    if (e.type === 'entity.parse.failed') return problem(400, 'malformed_json', 'The request body is not valid JSON.');
    if (e.type === 'entity.too.large') return problem(413, 'payload_too_large', 'The request body is too large.');
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return problem(415, 'unsupported_media_type', 'Unsupported body encoding.');
    return problem(e.status, HTTP_CODES[e.status] ?? 'bad_request', 'The request could not be read.');
  }
  return undefined;
}

/**
 * A problem answered by a service over RPC keeps its status, code, detail and errors (4xx), and
 * transport failures keep their 503 (`upstream.timeout`, `upstream.unavailable`). A service's
 * own internal error becomes a 502 without its details: the gateway itself did not fail.
 */
function rpcProblem(err: RpcError): ProblemBody {
  const p = err.problem;
  if (p.status >= 400 && p.status < 500) {
    return problem(p.status, p.code, p.detail, { ...(p.errors ? { errors: p.errors } : {}), ...(p.details ? { details: p.details } : {}) });
  }
  if (p.status === 503) return problem(503, p.code, p.detail);
  return problem(502, 'upstream.error', 'A downstream service failed to handle the request.');
}

function describe(exception: unknown): string {
  if (exception instanceof RpcError) return `${exception.problem.status} ${exception.problem.code}${exception.problem.detail ? ` (${exception.problem.detail})` : ''}`;
  return exception instanceof Error ? exception.message : String(exception);
}
