import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthSession } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../../config';
import { AccessTokenService } from '../../http/access-token.service';
import { newRefreshToken, refreshTokenDigest } from '../domain/refresh-token';
import { toUserView } from '../domain/user-view';
import { insertFamily, insertRefreshToken } from '../refresh-token.store';
import type { UserRow } from '../user.store';

export interface IssuedRefresh {
  token: string;
  expiresAt: Date;
  familyId: string;
}

/**
 * Starts sessions and issues their tokens, for register, log-in and refresh-session. A session
 * is a refresh-token family: logging in (or registering) starts one, every refresh rotates its
 * single valid token, and presenting an already-rotated token (a stolen copy, or the thief's
 * after the owner refreshed) revokes the whole family (refresh-session). Logout revokes it too.
 */
@Injectable()
export class SessionIssuer {
  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly tokens: AccessTokenService,
    private readonly clock: Clock,
  ) {}

  async startFamily(em: EntityManager, userId: string): Promise<IssuedRefresh> {
    const familyId = await insertFamily(em, userId, this.clock.now());
    return this.issueRefreshToken(em, familyId);
  }

  async issueRefreshToken(em: EntityManager, familyId: string): Promise<IssuedRefresh> {
    const now = this.clock.now();
    const token = newRefreshToken();
    const expiresAt = new Date(now.getTime() + this.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    await insertRefreshToken(em, familyId, refreshTokenDigest(token), now, expiresAt);
    return { token, expiresAt, familyId };
  }

  async session(user: UserRow, refresh: IssuedRefresh): Promise<AuthSession> {
    // The access token names its session, so revoking the family refuses it at once (ADR 0015).
    const access = await this.tokens.issue({ userId: user.id, role: user.role }, refresh.familyId);
    return {
      user: toUserView(user),
      tokenType: 'Bearer',
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS,
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.expiresAt.toISOString(),
    };
  }
}
