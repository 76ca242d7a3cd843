import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { SessionsConfig } from '../config';
import { drain } from '../shared/drain';
import { AutoEndSessions } from './auto-end-sessions';

/**
 * Ends, as the system, every session past its scheduled end plus the overtime grace
 * (SESSION_JOBS_CRON). Safe when every replica runs it at once: each batch claims its rows with
 * FOR UPDATE SKIP LOCKED in its own short transaction (`AutoEndSessions.batch`).
 */
@Injectable()
export class AutoEndSessionsJob implements OnModuleInit {
  constructor(
    @Inject(CONFIG) private readonly config: SessionsConfig,
    private readonly jobs: JobRunner,
    private readonly autoEnd: AutoEndSessions,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('sessions.auto-end', this.config.SESSION_JOBS_CRON, () => this.runOnce());
  }

  /** One pass (what a tick does). */
  runOnce(): Promise<void> {
    return drain((limit) => this.autoEnd.batch(limit));
  }
}
