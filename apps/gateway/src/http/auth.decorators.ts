import { SetMetadata, applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor, Role } from '@tutorhub/contracts';
import { ApiExtension } from './openapi-decorators';

export const IS_PUBLIC = 'tutorhub:public';
export const ROLES = 'tutorhub:roles';
export const QUERY_TOKEN = 'tutorhub:query-token';

/** OpenAPI extensions read (and removed) when the document is finalised; see openapi.ts. */
export const X_PUBLIC = 'x-tutorhub-public';
export const X_ROLES = 'x-tutorhub-roles';
export const X_QUERY_TOKEN = 'x-tutorhub-query-token';

/** An authenticated request carries its actor here (set by the AuthGuard). */
export interface AuthenticatedRequest extends Request {
  actor?: Actor;
  /** When the access token that authenticated this request expires (long-lived streams end then). */
  accessTokenExpiresAt?: Date;
  /** The session (refresh-token family) of that token: long-lived streams end when it is revoked. */
  sessionId?: string;
  /** `?access_token=` taken off the URL at the door (configure-http.ts); only @AllowQueryToken routes use it. */
  queryAccessToken?: string;
}

/** The route needs no access token (it is still rate-limited). `@CurrentActor()` is then null. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(X_PUBLIC, true));

/** Only these roles may call the route (403 `auth.forbidden_role` for the others). Method or controller level. */
export const Roles = (...roles: Role[]) => applyDecorators(SetMetadata(ROLES, roles), ApiExtension(X_ROLES, roles));

/**
 * Also accept the access token as `?access_token=` (for EventSource clients, which cannot set
 * headers). Only for GET streams: a token in a URL can end up in logs.
 */
export const AllowQueryToken = () => applyDecorators(SetMetadata(QUERY_TOKEN, true), ApiExtension(X_QUERY_TOKEN, true));

/** The authenticated caller `{ userId, role }`; null only on `@Public()` routes. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor | null => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().actor ?? null;
});
