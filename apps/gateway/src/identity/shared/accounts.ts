import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Role } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import * as users from '../user.store';
import type { UserRow } from '../user.store';

/** Creates accounts, for register and bootstrap-admin. */
@Injectable()
export class Accounts {
  constructor(
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
  ) {}

  /**
   * The new user, with its `identity.user.registered.v1` in the same transaction; undefined
   * (and no event) when the email is taken.
   */
  async insertUser(em: EntityManager, u: { email: string; fullName: string; role: Role; passwordHash: string }): Promise<UserRow | undefined> {
    const user = await users.insertUser(em, u, this.clock.now());
    if (!user) return undefined;
    await this.outbox.add(em, 'identity.user.registered.v1', { userId: user.id, role: user.role, email: user.email, fullName: user.full_name });
    return user;
  }
}
