import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { ProcessRefunds } from './process-refunds';

/**
 * Sends due refunds to Chapa and books the confirmed ones (REFUND_PROCESS_CRON). The work is
 * `ProcessRefunds.runOnce`; the processor also starts a pass right after a refund is decided
 * (`kickSoon`, under the same job name, so the two never overlap in one process).
 */
@Injectable()
export class ProcessRefundsJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRunner,
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly refunds: ProcessRefunds,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('refunds', this.config.REFUND_PROCESS_CRON, () => this.refunds.runOnce());
  }
}
