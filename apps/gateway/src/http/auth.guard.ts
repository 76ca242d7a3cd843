import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@tutorhub/contracts';
import { AppError } from '@tutorhub/platform';
import { HealthController, MetricsController } from '@tutorhub/service';
import { AccessTokenService } from './access-token.service';
import { IS_PUBLIC, QUERY_TOKEN, ROLES, type AuthenticatedRequest } from './auth.decorators';

/** Infrastructure endpoints outside `/api` (probes, scrapes): never behind a token. */
const INFRASTRUCTURE = new Set<unknown>([HealthController, MetricsController]);

/**
 * Global guard: every route needs a valid bearer access token unless marked `@Public()`.
 * On success the actor is put on the request (`@CurrentActor()`); `@Roles()` is checked here
 * too. A public route still reads a token when one is sent, so it may know its caller.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || INFRASTRUCTURE.has(context.getClass())) return true;
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = this.extractToken(req, this.reflector.getAllAndOverride<boolean | undefined>(QUERY_TOKEN, targets) === true);

    if (isPublic) {
      if (token) req.actor = await this.tokens.verify(token).catch(() => undefined);
      return true;
    }
    if (!token) throw new AppError(401, 'auth.unauthenticated', 'An access token is required (Authorization: Bearer <token>).');
    const { actor, expiresAt, sessionId } = await this.tokens.verifyToken(token);
    req.actor = actor;
    req.accessTokenExpiresAt = expiresAt;
    req.sessionId = sessionId;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && roles.length > 0 && !roles.includes(actor.role)) {
      throw new AppError(403, 'auth.forbidden_role', `This action needs the role ${roles.join(' or ')}.`);
    }
    return true;
  }

  private extractToken(req: AuthenticatedRequest, allowQuery: boolean): string | undefined {
    const header = req.headers.authorization;
    if (typeof header === 'string' && header.length > 0) {
      const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
      // A malformed Authorization header is an invalid token, not an absent one.
      return match ? match[1] : 'malformed';
    }
    if (allowQuery && req.queryAccessToken) return req.queryAccessToken;
    return undefined;
  }
}
