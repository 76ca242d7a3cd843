import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { AppError } from '@tutorhub/platform';
import { RAW_BODY_PATHS } from './constants';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const BODY_PARAMS = new Set([String(RouteParamtypes.BODY), String(RouteParamtypes.RAW_BODY)]);

/**
 * Whether a route handler declares a body (a `@Body`/`@ZodBody` or raw-body parameter), read
 * from Nest's route metadata: the same declaration that validates and documents the body.
 */
export function declaresBody(controller: object, handler: string | symbol): boolean {
  // Nest keeps parameter metadata on the controller class, keyed by the method name.
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => BODY_PARAMS.has(key.split(':')[0] ?? ''));
}

/** No body at all, or an empty JSON object: what a client of an operation without a body may send. */
export function isEmptyBody(body: unknown): boolean {
  if (body === undefined || body === null) return true;
  if (Buffer.isBuffer(body)) return body.length === 0;
  return typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0;
}

/**
 * An operation that declares no body refuses one: `POST /api/bookings/:id/accept` with
 * `{"status":"completed"}` is a 400 `validation_failed` naming each field, instead of being
 * silently ignored (a client would believe it was taken). No body, an empty body and `{}` stay
 * fine. Routes on RAW_BODY_PATHS read the signed bytes themselves and are left alone.
 */
@Injectable()
export class NoBodyInterceptor implements NestInterceptor {
  private readonly takesBody = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    if (!BODY_METHODS.has(req.method) || isEmptyBody(req.body)) return next.handle();
    if (RAW_BODY_PATHS.some((p) => req.path === p || req.path.startsWith(`${p}/`))) return next.handle();
    const handler = context.getHandler();
    let takes = this.takesBody.get(handler);
    if (takes === undefined) {
      takes = declaresBody(context.getClass(), handler.name);
      this.takesBody.set(handler, takes);
    }
    if (takes) return next.handle();
    const fields = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? Object.keys(req.body as object) : [];
    const errors = fields.length
      ? fields.map((path) => ({ path, message: `Unknown field \`${path}\`. ${req.method} ${req.path} takes no body.` }))
      : [{ path: '(body)', message: `${req.method} ${req.path} takes no body: send none, or {}.` }];
    throw new AppError(400, 'validation_failed', `${req.method} ${req.path} takes no request body; send none, or {}.`, { errors });
  }
}
