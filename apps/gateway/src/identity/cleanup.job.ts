import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { IdempotencyStore } from '../http/idempotency.store';
import { IdentityService } from './identity.service';
import { LoginThrottle } from './login-throttle';

/**
 * Deletes idempotency records past their retention (IDEMPOTENCY_RETENTION_HOURS), expired
 * refresh tokens, sessions whose tokens all expired (docs/operations.md "Data retention"), and
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

  async runOnce(): Promise<{ idempotencyKeys: number; refreshTokens: number; sessions: number; loginThrottle: number }> {
    const idempotencyKeys = await this.idempotency.deleteExpired(this.config.PRUNE_BATCH_SIZE);
    const { tokens: refreshTokens, sessions } = await this.identity.deleteExpiredSessions(this.config.PRUNE_BATCH_SIZE);
    const loginThrottle = await this.loginThrottle.deleteExpired(this.config.PRUNE_BATCH_SIZE);
    return { idempotencyKeys, refreshTokens, sessions, loginThrottle };
  }
}
