import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { ReconcilePayments } from './reconcile-payments';

/**
 * Verifies again, at Chapa, the payments still `initiated` some minutes after they were opened
 * (PAYMENT_RECONCILE_CRON): a lost webhook never leaves money unaccounted for. The work is
 * `ReconcilePayments.reconcileOnce`; every replica runs it (rows are claimed with SKIP LOCKED).
 */
@Injectable()
export class ReconcilePaymentsJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRunner,
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly payments: ReconcilePayments,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('payment-reconcile', this.config.PAYMENT_RECONCILE_CRON, () => this.payments.reconcileOnce());
  }
}
