import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { IdempotencyStore } from '../http/idempotency.store';
import { IdentityService } from './identity.service';
import { LoginThrottle } from './login-throttle';

/**
 * Deletes idempotency records past their retention, sessions whose tokens all expired, and
 * login-throttle counters and known client addresses nobody needs any more.
 * Every replica runs it; each batch claims its rows with SKIP LOCKED, so they share the work.
 */
@Injectable()
export class IdentityCleanupJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRunner,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly idempotency: IdempotencyStore,
    private readonly identity: IdentityService,
    private readonly loginThrottle: LoginThrottle,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('identity-cleanup', this.config.CLEANUP_CRON, () => this.runOnce());
  }

  async runOnce(): Promise<{ idempotencyKeys: number; sessions: number; loginThrottle: number }> {
    const idempotencyKeys = await this.idempotency.deleteExpired();
    const sessions = await this.identity.deleteExpiredSessions();
    const loginThrottle = await this.loginThrottle.deleteExpired();
    return { idempotencyKeys, sessions, loginThrottle };
  }
}
