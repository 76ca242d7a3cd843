import { Injectable, SetMetadata, applyDecorators, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Response } from 'express';
import { AppError } from '@tutorhub/platform';
import { HealthController, MetricsController } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import type { AuthenticatedRequest } from './auth.decorators';
import { ApiExtension } from './openapi-decorators';

export const AUTH_RATE_LIMITED = 'tutorhub:auth-rate-limited';
export const X_AUTH_RATE_LIMIT = 'x-tutorhub-auth-rate-limit';

/** Routes that guess or spend credentials (login, register, refresh): the stricter per-IP limit applies too. */
export const AuthRateLimit = () => applyDecorators(SetMetadata(AUTH_RATE_LIMITED, true), ApiExtension(X_AUTH_RATE_LIMIT, true));

const INFRASTRUCTURE = new Set<unknown>([HealthController, MetricsController]);
const isInfrastructure = (ctx: ExecutionContext) => INFRASTRUCTURE.has(ctx.getClass());
const isAuthLimited = (ctx: ExecutionContext) =>
  Reflect.getMetadata(AUTH_RATE_LIMITED, ctx.getHandler()) === true || Reflect.getMetadata(AUTH_RATE_LIMITED, ctx.getClass()) === true;

/** `req.ip` honours TRUST_PROXY, so behind the ingress it is the client's address. */
const clientIp = (req: Record<string, unknown>) => `ip:${String(req.ip ?? 'unknown')}`;

/**
 * Two fixed one-minute windows: `default` per user (per IP when anonymous) on every route, and
 * `auth` per IP on @AuthRateLimit routes. Counters live in process memory, so with N replicas
 * behind a round-robin ingress a client gets up to N× the limit; the ingress should carry the
 * hard per-IP limit (documented in apps/gateway/README.md).
 */
export function throttlerOptions(config: GatewayConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: 'default',
        ttl: 60_000,
        limit: config.RATE_LIMIT_PER_MINUTE,
        skipIf: isInfrastructure,
        getTracker: (req) => {
          const actor = (req as AuthenticatedRequest).actor;
          return actor ? `user:${actor.userId}` : clientIp(req);
        },
      },
      {
        name: 'auth',
        ttl: 60_000,
        limit: config.AUTH_RATE_LIMIT_PER_MINUTE,
        skipIf: (ctx) => !isAuthLimited(ctx),
        getTracker: clientIp,
      },
    ],
    // One budget per client across routes, not one per route.
    generateKey: (_ctx, tracker, name) => `${name}:${tracker}`,
    setHeaders: false,
  };
}

/** 429 `rate_limited` problem with `Retry-After` (seconds until the window frees up). */
@Injectable()
export class GatewayThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire || 1))));
    throw new AppError(429, 'rate_limited', 'Too many requests; slow down and retry after the time in Retry-After.');
  }
}
