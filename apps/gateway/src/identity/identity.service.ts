import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor, AuthSession, LoginInput, RegisterInput, Role, UserView } from '@tutorhub/contracts';
import { OutboxService, pruneInBatches } from '@tutorhub/messaging';
import { PG, pgCode } from '@tutorhub/persistence';
import { AppError, Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { AccessTokenService } from '../http/access-token.service';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { newRefreshToken, refreshTokenDigest } from './refresh-token';

interface IssuedRefresh {
  token: string;
  expiresAt: Date;
  familyId: string;
}

interface UserRow {
  id: string;
  email: string;
  full_name: string;
  role: Role;
  password_hash: string;
  created_at: Date;
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
    const [user] = (await this.ds.query(`SELECT * FROM identity.users WHERE email = $1`, [input.email])) as UserRow[];
    // Same work and the same answer whether the email is unknown or the password wrong.
    const ok = user ? await this.hasher.verify(input.password, user.password_hash) : await this.hasher.verifyAgainstDummy(input.password);
    if (!user || !ok) throw invalidCredentials();
    await this.throttle.succeeded(attempt);
    if (this.hasher.needsRehash(user.password_hash)) {
      const upgraded = await this.hasher.hash(input.password);
      await this.ds.query(`UPDATE identity.users SET password_hash = $2, updated_at = $3 WHERE id = $1`, [user.id, upgraded, this.clock.now()]);
    }
    const refresh = await this.ds.transaction((em) => this.startFamily(em, user.id));
    return this.session(user, refresh);
  }

  async refresh(token: string): Promise<AuthSession> {
    const now = this.clock.now();
    const outcome = await this.ds.transaction(async (em) => {
      const [row] = (await em.query(
        `SELECT t.id AS token_id, t.family_id, t.expires_at, t.used_at, f.revoked_at, f.user_id
           FROM identity.refresh_tokens t
           JOIN identity.refresh_token_families f ON f.id = t.family_id
          WHERE t.token_hash = $1
          FOR UPDATE OF t, f`,
        [refreshTokenDigest(token)],
      )) as Array<{ token_id: string; family_id: string; expires_at: Date; used_at: Date | null; revoked_at: Date | null; user_id: string }>;
      if (!row) return { error: 'auth.refresh_token_invalid' as const };
      if (row.revoked_at) return { error: 'auth.refresh_token_revoked' as const };
      if (row.used_at) {
        // Reuse of a rotated token: someone else holds a copy. End the session for everyone.
        await em.query(`UPDATE identity.refresh_token_families SET revoked_at = $2, revoked_reason = 'reuse_detected' WHERE id = $1`, [row.family_id, now]);
        await announceRevocation(em, row.family_id);
        return { error: 'auth.refresh_token_reused' as const, familyId: row.family_id };
      }
      if (new Date(row.expires_at) <= now) return { error: 'auth.refresh_token_expired' as const };
      await em.query(`UPDATE identity.refresh_tokens SET used_at = $2 WHERE id = $1`, [row.token_id, now]);
      const refresh = await this.issueRefreshToken(em, row.family_id);
      // The current role, not the one at login: a role change applies from the next refresh.
      const [user] = (await em.query(`SELECT * FROM identity.users WHERE id = $1`, [row.user_id])) as UserRow[];
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
      const result = (await em.query(
        `UPDATE identity.refresh_token_families f SET revoked_at = $2, revoked_reason = 'logout'
          FROM identity.refresh_tokens t
         WHERE t.token_hash = $1 AND f.id = t.family_id AND f.revoked_at IS NULL
         RETURNING f.id`,
        [refreshTokenDigest(token), this.clock.now()],
      )) as [Array<{ id: string }>, number] | Array<{ id: string }>;
      // The postgres driver answers an UPDATE … RETURNING as [rows, count].
      const rows = Array.isArray(result[0]) ? (result as [Array<{ id: string }>, number])[0] : (result as Array<{ id: string }>);
      for (const { id } of rows) await announceRevocation(em, id);
    });
  }

  async me(actor: Actor): Promise<UserView> {
    const [user] = (await this.ds.query(`SELECT * FROM identity.users WHERE id = $1`, [actor.userId])) as UserRow[];
    if (!user) throw new AppError(404, 'user.not_found', 'The account no longer exists.');
    return toUserView(user);
  }

  /**
   * Creates the configured admin if missing. Safe when every replica does it at once: the
   * unique email decides, and only the inserting transaction emits the event.
   */
  async ensureBootstrapAdmin(): Promise<'created' | 'exists'> {
    const email = normaliseEmail(this.config.ADMIN_EMAIL);
    const [existing] = (await this.ds.query(`SELECT role FROM identity.users WHERE email = $1`, [email])) as Array<{ role: Role }>;
    if (existing) {
      if (existing.role !== 'admin') this.logger.error(`ADMIN_EMAIL ${email} belongs to a ${existing.role} account; it is not made an admin`);
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
    const [row] = (await this.ds.query(`SELECT id FROM identity.users WHERE email = $1 AND role = 'admin'`, [normaliseEmail(this.config.ADMIN_EMAIL)])) as Array<{ id: string }>;
    return row ? { userId: row.id, role: 'admin' } : null;
  }

  /**
   * Deletes expired refresh tokens, then sessions (families) left without a live token.
   * Replica-safe (batches claim rows with SKIP LOCKED) and counted in
   * retention_rows_deleted_total. Tokens go first so they are counted, not cascaded. A pruned
   * expired token presented again is `auth.refresh_token_invalid` instead of `…_reused`: either
   * way it gets nothing, only the theft signal of a token already past its expiry is lost.
   */
  async deleteExpiredSessions(batchSize = 500): Promise<{ tokens: number; sessions: number }> {
    const now = this.clock.now();
    const tokens = await pruneInBatches(this.ds, { table: 'identity.refresh_tokens', due: 'expires_at <= $1', params: [now], batchSize });
    const sessions = await pruneInBatches(this.ds, {
      table: 'identity.refresh_token_families',
      due: `NOT EXISTS (SELECT 1 FROM identity.refresh_tokens t WHERE t.family_id = refresh_token_families.id AND t.expires_at > $1)`,
      params: [now],
      batchSize,
    });
    return { tokens, sessions };
  }

  private async insertUser(em: EntityManager, u: { email: string; fullName: string; role: Role; passwordHash: string }): Promise<UserRow | undefined> {
    const now = this.clock.now();
    let rows: UserRow[];
    try {
      rows = (await em.query(
        `INSERT INTO identity.users (id, email, full_name, role, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (email) DO NOTHING RETURNING *`,
        [randomUUID(), u.email, u.fullName, u.role, u.passwordHash, now],
      )) as UserRow[];
    } catch (err) {
      if (pgCode(err) === PG.uniqueViolation) return undefined;
      throw err;
    }
    const user = rows[0];
    if (!user) return undefined;
    await this.outbox.add(em, 'identity.user.registered.v1', { userId: user.id, role: user.role, email: user.email, fullName: user.full_name });
    return user;
  }

  private async startFamily(em: EntityManager, userId: string): Promise<IssuedRefresh> {
    const familyId = randomUUID();
    await em.query(`INSERT INTO identity.refresh_token_families (id, user_id, created_at) VALUES ($1, $2, $3)`, [familyId, userId, this.clock.now()]);
    return this.issueRefreshToken(em, familyId);
  }

  private async issueRefreshToken(em: EntityManager, familyId: string): Promise<IssuedRefresh> {
    const now = this.clock.now();
    const token = newRefreshToken();
    const expiresAt = new Date(now.getTime() + this.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    await em.query(
      `INSERT INTO identity.refresh_tokens (id, family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [randomUUID(), familyId, refreshTokenDigest(token), now, expiresAt],
    );
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

/** The NOTIFY channel on which a revoked session is announced (delivered at commit, to every replica). */
export const SESSION_REVOKED_CHANNEL = 'identity_session_revoked';

/**
 * Tells every replica, at commit, that a session ended, so that open notification streams of
 * that session close at once. Requests need no notification: each checks the session row.
 */
async function announceRevocation(em: EntityManager, familyId: string): Promise<void> {
  await em.query(`SELECT pg_notify($1, $2)`, [SESSION_REVOKED_CHANNEL, familyId]);
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
