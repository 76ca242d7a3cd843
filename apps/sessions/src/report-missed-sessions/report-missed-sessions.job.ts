import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { SessionsConfig } from '../config';
import { drain } from '../shared/drain';
import { ReportMissedSessions } from './report-missed-sessions';

/**
 * Emits session.missed for every confirmed booking whose start window closed without a session
 * (SESSION_JOBS_CRON). Safe when every replica runs it at once: each batch claims its rows with
 * FOR UPDATE SKIP LOCKED in its own short transaction (`ReportMissedSessions.batch`).
 */
@Injectable()
export class ReportMissedSessionsJob implements OnModuleInit {
  constructor(
    @Inject(CONFIG) private readonly config: SessionsConfig,
    private readonly jobs: JobRunner,
    private readonly reportMissed: ReportMissedSessions,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('sessions.missed', this.config.SESSION_JOBS_CRON, () => this.runOnce());
  }

  /** One pass (what a tick does). */
  runOnce(): Promise<void> {
    return drain((limit) => this.reportMissed.batch(limit));
  }
}
