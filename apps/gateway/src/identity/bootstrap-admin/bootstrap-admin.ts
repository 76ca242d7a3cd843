import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor } from '@tutorhub/contracts';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../../config';
import { normaliseEmail } from '../domain/email';
import { PasswordHasher } from '../domain/password-hasher';
import { Accounts } from '../shared/accounts';
import * as users from '../user.store';

/** The admin account configured by ADMIN_EMAIL / ADMIN_PASSWORD. */
@Injectable()
export class BootstrapAdmin {
  private readonly logger = new Logger('Identity');

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(DataSource) private readonly ds: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly accounts: Accounts,
  ) {}

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
    const created = await this.ds.transaction((em) => this.accounts.insertUser(em, { email, fullName: 'Administrator', role: 'admin', passwordHash }));
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
}

/** Creates the bootstrap admin at start (every replica may; the unique email decides). */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  constructor(private readonly admin: BootstrapAdmin) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.admin.ensureBootstrapAdmin();
  }
}
