import { createHash } from 'node:crypto';
import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, of, switchMap, type Observable } from 'rxjs';
import { AppError, counter } from '@tutorhub/platform';
import type { AuthenticatedRequest } from './auth.decorators';
import { IdempotencyStore, type IdempotencyScope } from './idempotency.store';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
const KEY_PATTERN = /^[\x20-\x7E]{1,200}$/;

const outcomes = counter('gateway_idempotency_total', 'Idempotency-Key handling by outcome', ['outcome']);

/** Canonical JSON (sorted keys) so that `{a,b}` and `{b,a}` are the same request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function requestHash(body: unknown, query: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical({ body: body ?? null, query: query ?? {} }))).digest('hex');
}

/** How long a failed request's claim is retried for release (the claim is abandoned after 60 s anyway). */
const RELEASE_RETRY_MS = 60_000;

/**
 * `Idempotency-Key` on authenticated POSTs. The first request with a key runs and its answer
 * (status, content type, body — success or 4xx problem) is stored before it is sent; a retry
 * with the same key and the same body gets that answer again with `Idempotent-Replayed: true`
 * and the handler does not run. 5xx and 429 answers are not stored (the retry runs again), nor
 * is 404: services learn of objects through events, so "not found" right after a change (a
 * payment for a booking whose acceptance is still on its way) may be "found" a moment later,
 * and a retry with the same key must be able to see that.
 * Public routes (login, webhooks) ignore the header: their answers carry secrets or come
 * from anonymous callers, and there is no user to scope a key to.
 */

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly store: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const header = req.headers[IDEMPOTENCY_HEADER];
    if (req.method !== 'POST' || header === undefined || !req.actor) return next.handle();
    if (typeof header !== 'string' || !KEY_PATTERN.test(header) || header.trim() === '') {
      throw new AppError(400, 'idempotency.invalid_key', 'Idempotency-Key must be 1 to 200 printable ASCII characters, sent once.');
    }
    const scope: IdempotencyScope = { userId: req.actor.userId, method: req.method, path: req.originalUrl.split('?')[0], key: header };
    const hash = requestHash(req.body, req.query);

    return from(this.store.claim(scope, hash)).pipe(
      switchMap((claim) => {
        switch (claim.kind) {
          case 'mismatch':
            outcomes.inc({ outcome: 'key_reused' });
            throw new AppError(422, 'idempotency.key_reused', 'This Idempotency-Key was already used with a different request.');
          case 'in_progress':
            outcomes.inc({ outcome: 'in_progress' });
            throw new AppError(409, 'idempotency.in_progress', 'A request with this Idempotency-Key is still being processed; retry later.');
          case 'replay': {
            outcomes.inc({ outcome: 'replayed' });
            const { status, contentType, body } = claim.response;
            res.status(status);
            res.setHeader(REPLAYED_HEADER, 'true');
            if (contentType) res.setHeader('Content-Type', contentType);
            if (body === null || body === '') return of(undefined);
            try {
              return of(JSON.parse(body) as unknown);
            } catch {
              return of(body);
            }
          }
          case 'claimed':
            outcomes.inc({ outcome: 'executed' });
            this.captureResponse(res, scope);
            return next.handle();
        }
      }),
    );
  }

  /**
   * Forgets the claim so that a retry runs again. A 5xx is often the database going away (a
   * failover): then the DELETE fails too, and the claim would hold every retry of this key at
   * 409 `idempotency.in_progress` until it counts as abandoned (60 s) — longer than a client may
   * have (a lesson about to start). So it is retried in the background until it succeeds or the
   * claim would have been abandoned anyway (found by the HA fault lab, docs/reliability.md).
   */
  private async release(scope: IdempotencyScope): Promise<void> {
    try {
      await this.store.release(scope);
    } catch (err) {
      void this.releaseLater(scope);
      throw err;
    }
  }

  private async releaseLater(scope: IdempotencyScope): Promise<void> {
    const deadline = Date.now() + RELEASE_RETRY_MS;
    for (let delay = 250; Date.now() < deadline; delay = Math.min(delay * 2, 4000)) {
      await new Promise((r) => setTimeout(r, delay).unref());
      try {
        await this.store.release(scope);
        this.logger.log(`released the Idempotency-Key claim of a failed request after the database came back`);
        return;
      } catch {
        // still unavailable: try again
      }
    }
  }

  /**
   * Records whatever is finally sent — the handler's result or the exception filter's problem —
   * and only then lets it go out, so a retry arriving right after the answer finds it stored.
   */
  private captureResponse(res: Response, scope: IdempotencyScope): void {
    const send = res.send.bind(res);
    let captured = false;
    res.send = ((body?: unknown) => {
      // res.json() and res.send(object) come back here with the serialised string.
      if (captured || (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body))) return send(body);
      captured = true;
      const status = res.statusCode;
      const text = body === undefined ? null : Buffer.isBuffer(body) ? body.toString('utf8') : body;
      const contentType = (res.getHeader('Content-Type') as string | undefined) ?? null;
      const done = status >= 500 || status === 429 || status === 404 ? this.release(scope) : this.store.complete(scope, { status, contentType, body: text });
      done
        .catch((err: unknown) => this.logger.error(`could not record the answer for an Idempotency-Key: ${(err as Error).message}`))
        .finally(() => send(body));
      return res;
    }) as Response['send'];
  }
}
