import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthSession } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { refreshRefused } from '../domain/auth-problems';
import { refreshTokenDigest } from '../domain/refresh-token';
import { announceRevocation, lockPresentedToken, markTokenUsed, revokeFamilyForReuse } from '../refresh-token.store';
import { SessionIssuer } from '../shared/session-issuer';
import * as users from '../user.store';
import type { UserRow } from '../user.store';

/**
 * Exchanges a refresh token for new tokens of the same session. Tokens are single-use:
 * presenting one that was already rotated (a stolen copy, or the thief's after the owner
 * refreshed) ends the whole session for everyone.
 */
@Injectable()
export class RefreshSession {
  private readonly logger = new Logger('Identity');

  constructor(
    @Inject(DataSource) private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly sessions: SessionIssuer,
  ) {}

  async refresh(token: string): Promise<AuthSession> {
    const now = this.clock.now();
    const outcome = await this.ds.transaction(async (em) => {
      const row = await lockPresentedToken(em, refreshTokenDigest(token));
      if (!row) return { error: 'auth.refresh_token_invalid' as const };
      if (row.revoked_at) return { error: 'auth.refresh_token_revoked' as const };
      if (row.used_at) {
        // Reuse of a rotated token: someone else holds a copy. End the session for everyone.
        await revokeFamilyForReuse(em, row.family_id, now);
        await announceRevocation(em, row.family_id);
        return { error: 'auth.refresh_token_reused' as const, familyId: row.family_id };
      }
      if (new Date(row.expires_at) <= now) return { error: 'auth.refresh_token_expired' as const };
      await markTokenUsed(em, row.token_id, now);
      const refresh = await this.sessions.issueRefreshToken(em, row.family_id);
      // The current role, not the one at login: a role change applies from the next refresh.
      const user = (await users.findUserById(em, row.user_id)) as UserRow;
      return { error: undefined, user, refresh };
    });
    if (outcome.error !== undefined) {
      if (outcome.error === 'auth.refresh_token_reused') this.logger.warn(`refresh token reuse detected; family ${outcome.familyId} revoked`);
      throw refreshRefused(outcome.error);
    }
    return this.sessions.session(outcome.user, outcome.refresh);
  }
}
