import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { SessionsConfig } from '../config';
import { SessionService } from '../run-session/run-session';

const BATCH = 100;
/** Bounds one pass, so a pass never runs unbounded; the next tick carries on. */
const MAX_BATCHES_PER_PASS = 50;

/**
 * The two scheduled jobs of the service, on SESSION_JOBS_CRON. Both are safe when every
 * replica runs them at once: each batch claims its rows with FOR UPDATE SKIP LOCKED in its
 * own short transaction (see SessionService.autoEndDueBatch / reportMissedBatch).
 */
@Injectable()
export class SessionJobs implements OnModuleInit {
  constructor(
    @Inject(CONFIG) private readonly config: SessionsConfig,
    private readonly jobs: JobRunner,
    private readonly sessions: SessionService,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('sessions.auto-end', this.config.SESSION_JOBS_CRON, () => this.autoEnd());
    this.jobs.schedule('sessions.missed', this.config.SESSION_JOBS_CRON, () => this.reportMissed());
  }

  /** Ends, as the system, every session past its scheduled end plus the overtime grace. */
  autoEnd(): Promise<void> {
    return drain((limit) => this.sessions.autoEndDueBatch(limit));
  }

  /** Emits session.missed for every confirmed booking whose start window closed without a session. */
  reportMissed(): Promise<void> {
    return drain((limit) => this.sessions.reportMissedBatch(limit));
  }

  /** One pass of both jobs (what a tick does). */
  async runOnce(): Promise<void> {
    await this.autoEnd();
    await this.reportMissed();
  }
}

async function drain(batch: (limit: number) => Promise<number>): Promise<void> {
  for (let i = 0; i < MAX_BATCHES_PER_PASS; i += 1) {
    if ((await batch(BATCH)) < BATCH) return;
  }
}
