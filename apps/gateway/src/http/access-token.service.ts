import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { actorSchema, type Actor } from '@tutorhub/contracts';
import { AppError, Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';

/** Only this algorithm is ever accepted: a token saying `alg: none` or RS256 is refused. */
const ALG = 'HS256';

export interface IssuedAccessToken {
  token: string;
  expiresAt: Date;
  jti: string;
}

/**
 * Short-lived access tokens: HS256 JWTs with `sub` (user id), `role`, `iss`, `aud`, `jti`,
 * `iat` and `exp`. Verification pins the algorithm, issuer and audience and checks expiry
 * against the injected clock. Access tokens are not revocable; their TTL is the bound.
 */
@Injectable()
export class AccessTokenService {
  private readonly key: Uint8Array;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly clock: Clock,
  ) {
    this.key = new TextEncoder().encode(config.JWT_SECRET);
  }

  async issue(actor: Actor): Promise<IssuedAccessToken> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const exp = now + this.config.ACCESS_TOKEN_TTL_SECONDS;
    const jti = randomUUID();
    const token = await new SignJWT({ role: actor.role })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setSubject(actor.userId)
      .setIssuer(this.config.JWT_ISSUER)
      .setAudience(this.config.JWT_AUDIENCE)
      .setJti(jti)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000), jti };
  }

  /** The actor a valid token speaks for; a 401 AppError (`auth.token_expired` / `auth.token_invalid`) otherwise. */
  async verify(token: string): Promise<Actor> {
    return (await this.verifyToken(token)).actor;
  }

  async verifyToken(token: string): Promise<{ actor: Actor; expiresAt: Date }> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [ALG],
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: 5,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AppError(401, 'auth.token_expired', 'The access token has expired.');
      throw new AppError(401, 'auth.token_invalid', 'The access token is invalid.');
    }
    const actor = actorSchema.safeParse({ userId: payload.sub, role: payload.role });
    if (!actor.success) throw new AppError(401, 'auth.token_invalid', 'The access token is invalid.');
    return { actor: actor.data, expiresAt: new Date(Number(payload.exp) * 1000) };
  }
}
