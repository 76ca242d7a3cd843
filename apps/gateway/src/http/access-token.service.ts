import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { actorSchema, type Actor } from '@tutorhub/contracts';
import { AppError, Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { isFamilyOpen } from '../identity/refresh-token.store';

/** Only this algorithm is ever accepted: a token saying `alg: none` or RS256 is refused. */
const ALG = 'HS256';

export interface IssuedAccessToken {
  token: string;
  expiresAt: Date;
  jti: string;
}

export interface VerifiedAccessToken {
  actor: Actor;
  expiresAt: Date;
  /** The session (refresh-token family) the token was issued for. */
  sessionId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invalid = () => new AppError(401, 'auth.token_invalid', 'The access token is invalid.');
export const tokenRevoked = () => new AppError(401, 'auth.token_revoked', 'The session of this access token has ended (logout, or a stolen refresh token was detected); log in again.');

/**
 * Short-lived access tokens: HS256 JWTs with `sub` (user id), `role`, `sid` (the session, i.e.
 * refresh-token family), `iss`, `aud`, `jti`, `iat` and `exp`. Verification pins the algorithm,
 * issuer and audience, checks expiry against the injected clock, and then asks the database
 * whether the session is still open (ADR 0015): logout and refresh-token reuse revoke a
 * session's access tokens at once, on every replica, because every replica reads the same row
 * committed before the revoking request answered. One primary-key lookup per authenticated
 * request; a token without `sid` (none is issued any more) is invalid.
 */
@Injectable()
export class AccessTokenService {
  /**
   * The HMAC key, imported once: given raw bytes, jose imports a WebCrypto key on every sign and
   * verify (≈ 50–100 µs of each authenticated request). JWT_SECRET is fixed for the process's
   * life (no rotation), so one import serves them all.
   */
  private readonly key: Promise<CryptoKey>;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly clock: Clock,
    @Inject(DataSource) private readonly ds: DataSource,
  ) {
    this.key = crypto.subtle.importKey('raw', new TextEncoder().encode(config.JWT_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async issue(actor: Actor, sessionId: string): Promise<IssuedAccessToken> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const exp = now + this.config.ACCESS_TOKEN_TTL_SECONDS;
    const jti = randomUUID();
    const token = await new SignJWT({ role: actor.role, sid: sessionId })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setSubject(actor.userId)
      .setIssuer(this.config.JWT_ISSUER)
      .setAudience(this.config.JWT_AUDIENCE)
      .setJti(jti)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(await this.key);
    return { token, expiresAt: new Date(exp * 1000), jti };
  }

  /** The actor a valid token speaks for; a 401 AppError (`auth.token_expired` / `auth.token_invalid` / `auth.token_revoked`) otherwise. */
  async verify(token: string): Promise<Actor> {
    return (await this.verifyToken(token)).actor;
  }

  async verifyToken(token: string): Promise<VerifiedAccessToken> {
    const v = await this.verifySignature(token);
    let open: boolean;
    try {
      open = await this.sessionOpen(v.sessionId, v.actor.userId);
    } catch {
      // Fail closed, but say it is passing: a 503 the client retries, not a 500 or a 401 that logs it out.
      throw new AppError(503, 'upstream.unavailable', 'Sessions cannot be checked right now; try again shortly.');
    }
    if (!open) throw tokenRevoked();
    return v;
  }

  /**
   * Whether the session is open: its family exists for this user and is not revoked. A missing
   * row is a session that cannot be open any more (the account was deleted, or the cleanup pass
   * removed it after all its tokens expired), so it is refused as revoked.
   */
  async sessionOpen(sessionId: string, userId: string): Promise<boolean> {
    return isFamilyOpen(this.ds.manager, sessionId, userId);
  }

  private async verifySignature(token: string): Promise<VerifiedAccessToken> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await this.key, {
        algorithms: [ALG],
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
        currentDate: this.clock.now(),
        // `sid` is checked below, after expiry: an expired token is told apart from an invalid one.
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: 5,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AppError(401, 'auth.token_expired', 'The access token has expired.');
      throw invalid();
    }
    const actor = actorSchema.safeParse({ userId: payload.sub, role: payload.role });
    if (!actor.success || typeof payload.sid !== 'string' || !UUID.test(payload.sid)) throw invalid();
    return { actor: actor.data, expiresAt: new Date(Number(payload.exp) * 1000), sessionId: payload.sid };
  }
}
