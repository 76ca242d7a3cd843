import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { GatewayConfig } from '../../config';
import { IdempotencyStore } from '../../http/idempotency.store';
import { LoginThrottle } from '../log-in/login-throttle';
import { pruneExpiredSessions } from '../refresh-token.store';

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
    @Inject(DataSource) private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly idempotency: IdempotencyStore,
    private readonly loginThrottle: LoginThrottle,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('identity-cleanup', this.config.CLEANUP_CRON, () => this.runOnce());
  }

  async runOnce(): Promise<{ idempotencyKeys: number; refreshTokens: number; sessions: number; loginThrottle: number }> {
    const idempotencyKeys = await this.idempotency.deleteExpired(this.config.PRUNE_BATCH_SIZE);
    const { tokens: refreshTokens, sessions } = await this.deleteExpiredSessions(this.config.PRUNE_BATCH_SIZE);
    const loginThrottle = await this.loginThrottle.deleteExpired(this.config.PRUNE_BATCH_SIZE);
    return { idempotencyKeys, refreshTokens, sessions, loginThrottle };
  }

  /**
   * Deletes expired refresh tokens, then sessions (families) left without a live token.
   * Replica-safe (batches claim rows with SKIP LOCKED) and counted in
   * retention_rows_deleted_total. Tokens go first so they are counted, not cascaded. A pruned
   * expired token presented again is `auth.refresh_token_invalid` instead of `…_reused`: either
   * way it gets nothing, only the theft signal of a token already past its expiry is lost.
   */
  private deleteExpiredSessions(batchSize: number): Promise<{ tokens: number; sessions: number }> {
    return pruneExpiredSessions(this.ds, this.clock.now(), batchSize);
  }
}
