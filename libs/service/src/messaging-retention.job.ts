import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pruneMessagingTables } from '@tutorhub/messaging';
import type { SharedConfig } from '@tutorhub/platform';
import { JobRunner } from './job-runner';
import { CONFIG, SERVICE_SCHEMA } from './tokens';

/**
 * Prunes the service's own outbox (published rows) and inbox (old processed ids) on PRUNE_CRON.
 * The service kit registers it for every service, so a new service gets it without a line.
 * Every replica runs it; pruneInBatches makes concurrent runs share the rows.
 */
@Injectable()
export class MessagingRetentionJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRunner,
    private readonly ds: DataSource,
    @Inject(CONFIG) private readonly config: SharedConfig,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('messaging-retention', this.config.PRUNE_CRON, () => this.runOnce());
  }

  runOnce(): Promise<{ outbox: number; inbox: number }> {
    return pruneMessagingTables(this.ds, this.schema, {
      outboxRetentionHours: this.config.OUTBOX_RETENTION_HOURS,
      inboxRetentionHours: this.config.INBOX_RETENTION_HOURS,
      batchSize: this.config.PRUNE_BATCH_SIZE,
    });
  }
}
