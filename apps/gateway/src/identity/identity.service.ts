import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor, AuthSession, LoginInput, RegisterInput, Role, UserView } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { AccessTokenService } from '../http/access-token.service';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { newRefreshToken, refreshTokenDigest } from './refresh-token';
import {
  announceRevocation,
  insertFamily,
  insertRefreshToken,
  lockPresentedToken,
  markTokenUsed,
  pruneExpiredSessions,
  revokeFamilyForReuse,
  revokeFamilyOfToken,
} from './refresh-token.store';
import * as users from './user.store';
import type { UserRow } from './user.store';

export { SESSION_REVOKED_CHANNEL } from './refresh-token.store';

interface IssuedRefresh {
  token: string;
  expiresAt: Date;
  familyId: string;
}

const invalidCredentials = () => new AppError(401, 'auth.invalid_credentials', 'The email or password is wrong.');
const emailTaken = () => new AppError(409, 'auth.email_taken', 'An account with this email already exists.');

export const toUserView = (u: UserRow): UserView => ({
  id: u.id,
  email: u.email,
  fullName: u.full_name,
  role: u.role,
  createdAt: new Date(u.created_at).toISOString(),
});

/**
 * Accounts and sessions. A session is a refresh-token family: login starts one, every refresh
 * rotates its single valid token, and presenting an already-rotated token (a stolen copy, or
 * the thief's after the owner refreshed) revokes the whole family. Logout revokes it too.
 */
@Injectable()
export class IdentityService {
  private readonly logger = new Logger('Identity');
  readonly hasher: PasswordHasher;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(DataSource) private readonly ds: DataSource,
    private readonly outbox: OutboxService,
    private readonly tokens: AccessTokenService,
    private readonly clock: Clock,
    private readonly throttle: LoginThrottle,
  ) {
    this.hasher = new PasswordHasher({ logN: config.PASSWORD_SCRYPT_LOG_N, r: 8, p: 1 });
  }

  async register(input: RegisterInput): Promise<AuthSession> {
    // The bootstrap admin's address is reserved, whether or not the admin exists yet.
    if (input.email === normaliseEmail(this.config.ADMIN_EMAIL)) throw emailTaken();
    const passwordHash = await this.hasher.hash(input.password);
    const { user, refresh } = await this.ds.transaction(async (em) => {
      const user = await this.insertUser(em, { email: input.email, fullName: input.fullName, role: input.role, passwordHash });
      if (!user) throw emailTaken();
      return { user, refresh: await this.startFamily(em, user.id) };
    });
    return this.session(user, refresh);
  }

  /**
   * `client` is the caller's address (`req.ip`, which honours TRUST_PROXY). The per-account
   * throttle counts the attempt before the password is checked (ADR 0015).
   */
  async login(input: LoginInput, client: string): Promise<AuthSession> {
    const attempt = await this.throttle.admit(input.email, client);
    const user = await users.findUserByEmail(this.ds.manager, input.email);
    // Same work and the same answer whether the email is unknown or the password wrong.
    const ok = user ? await this.hasher.verify(input.password, user.password_hash) : await this.hasher.verifyAgainstDummy(input.password);
    if (!user || !ok) throw invalidCredentials();
    await this.throttle.succeeded(attempt);
    if (this.hasher.needsRehash(user.password_hash)) {
      const upgraded = await this.hasher.hash(input.password);
      await users.updatePasswordHash(this.ds.manager, user.id, upgraded, this.clock.now());
    }
    const refresh = await this.ds.transaction((em) => this.startFamily(em, user.id));
    return this.session(user, refresh);
  }

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
      const refresh = await this.issueRefreshToken(em, row.family_id);
      // The current role, not the one at login: a role change applies from the next refresh.
      const user = (await users.findUserById(em, row.user_id)) as UserRow;
      return { error: undefined, user, refresh };
    });
    if (outcome.error !== undefined) {
      if (outcome.error === 'auth.refresh_token_reused') this.logger.warn(`refresh token reuse detected; family ${outcome.familyId} revoked`);
      throw new AppError(401, outcome.error, REFRESH_ERRORS[outcome.error]);
    }
    return this.session(outcome.user, outcome.refresh);
  }

  /**
   * Ends the session the token belongs to, and with it every access token issued for it: they
   * are refused from the moment this commits, on every replica (ADR 0015). Unknown or
   * already-ended tokens are fine (idempotent).
   */
  async logout(token: string): Promise<void> {
    await this.ds.transaction(async (em) => {
      for (const id of await revokeFamilyOfToken(em, refreshTokenDigest(token), this.clock.now())) await announceRevocation(em, id);
    });
  }

  async me(actor: Actor): Promise<UserView> {
    const user = await users.findUserById(this.ds.manager, actor.userId);
    if (!user) throw new AppError(404, 'user.not_found', 'The account no longer exists.');
    return toUserView(user);
  }

  /**
   * Creates the configured admin if missing. Safe when every replica does it at once: the
   * unique email decides, and only the inserting transaction emits the event.
   */
  async ensureBootstrapAdmin(): Promise<'created' | 'exists'> {
    const email = normaliseEmail(this.config.ADMIN_EMAIL);
    const existingRole = await users.roleOfEmail(this.ds.manager, email);
    if (existingRole) {
      if (existingRole !== 'admin') this.logger.error(`ADMIN_EMAIL ${email} belongs to a ${existingRole} account; it is not made an admin`);
      return 'exists';
    }
    const passwordHash = await this.hasher.hash(this.config.ADMIN_PASSWORD);
    const created = await this.ds.transaction((em) => this.insertUser(em, { email, fullName: 'Administrator', role: 'admin', passwordHash }));
    if (created) this.logger.log(`bootstrap admin ${email} created`);
    return created ? 'created' : 'exists';
  }

  /**
   * The bootstrap admin as an actor, for the few reads the gateway makes on nobody's behalf
   * (the checkout return page reads the booking of a payment it has just verified). Null until
   * the admin exists.
   */
  async bootstrapAdminActor(): Promise<Actor | null> {
    const id = await users.adminIdByEmail(this.ds.manager, normaliseEmail(this.config.ADMIN_EMAIL));
    return id ? { userId: id, role: 'admin' } : null;
  }

  /**
   * Deletes expired refresh tokens, then sessions (families) left without a live token.
   * Replica-safe (batches claim rows with SKIP LOCKED) and counted in
   * retention_rows_deleted_total. Tokens go first so they are counted, not cascaded. A pruned
   * expired token presented again is `auth.refresh_token_invalid` instead of `…_reused`: either
   * way it gets nothing, only the theft signal of a token already past its expiry is lost.
   */
  async deleteExpiredSessions(batchSize = 500): Promise<{ tokens: number; sessions: number }> {
    return pruneExpiredSessions(this.ds, this.clock.now(), batchSize);
  }

  private async insertUser(em: EntityManager, u: { email: string; fullName: string; role: Role; passwordHash: string }): Promise<UserRow | undefined> {
    const user = await users.insertUser(em, u, this.clock.now());
    if (!user) return undefined;
    await this.outbox.add(em, 'identity.user.registered.v1', { userId: user.id, role: user.role, email: user.email, fullName: user.full_name });
    return user;
  }

  private async startFamily(em: EntityManager, userId: string): Promise<IssuedRefresh> {
    const familyId = await insertFamily(em, userId, this.clock.now());
    return this.issueRefreshToken(em, familyId);
  }

  private async issueRefreshToken(em: EntityManager, familyId: string): Promise<IssuedRefresh> {
    const now = this.clock.now();
    const token = newRefreshToken();
    const expiresAt = new Date(now.getTime() + this.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    await insertRefreshToken(em, familyId, refreshTokenDigest(token), now, expiresAt);
    return { token, expiresAt, familyId };
  }

  private async session(user: UserRow, refresh: IssuedRefresh): Promise<AuthSession> {
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

const REFRESH_ERRORS = {
  'auth.refresh_token_invalid': 'The refresh token is not valid.',
  'auth.refresh_token_revoked': 'The session has ended; log in again.',
  'auth.refresh_token_reused': 'The refresh token was already used; the session has been ended for safety. Log in again.',
  'auth.refresh_token_expired': 'The refresh token has expired; log in again.',
} as const;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
