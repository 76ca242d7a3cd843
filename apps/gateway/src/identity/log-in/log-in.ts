import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthSession, LoginInput } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { invalidCredentials } from '../domain/auth-problems';
import { PasswordHasher } from '../domain/password-hasher';
import { SessionIssuer } from '../shared/session-issuer';
import * as users from '../user.store';
import { LoginThrottle } from './login-throttle';

/** Logs in with email and password: a new session, behind the per-account throttle (ADR 0015). */
@Injectable()
export class LogIn {
  constructor(
    @Inject(DataSource) private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionIssuer,
  ) {}

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
    const refresh = await this.ds.transaction((em) => this.sessions.startFamily(em, user.id));
    return this.sessions.session(user, refresh);
  }
}
