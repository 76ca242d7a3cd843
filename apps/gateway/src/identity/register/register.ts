import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthSession, RegisterInput } from '@tutorhub/contracts';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../../config';
import { emailTaken } from '../domain/auth-problems';
import { normaliseEmail } from '../domain/email';
import { PasswordHasher } from '../domain/password-hasher';
import { Accounts } from '../shared/accounts';
import { SessionIssuer } from '../shared/session-issuer';

/** A student or tutor creates an account and is logged in (a new session), in one transaction. */
@Injectable()
export class Register {
  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(DataSource) private readonly ds: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly accounts: Accounts,
    private readonly sessions: SessionIssuer,
  ) {}

  async register(input: RegisterInput): Promise<AuthSession> {
    // The bootstrap admin's address is reserved, whether or not the admin exists yet.
    if (input.email === normaliseEmail(this.config.ADMIN_EMAIL)) throw emailTaken();
    const passwordHash = await this.hasher.hash(input.password);
    const { user, refresh } = await this.ds.transaction(async (em) => {
      const user = await this.accounts.insertUser(em, { email: input.email, fullName: input.fullName, role: input.role, passwordHash });
      if (!user) throw emailTaken();
      return { user, refresh: await this.sessions.startFamily(em, user.id) };
    });
    return this.sessions.session(user, refresh);
  }
}
