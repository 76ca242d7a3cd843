import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { Payouts } from './payouts';

/**
 * Re-checks open payouts whose time has come (PAYOUT_RECONCILE_CRON): lost transfer webhooks,
 * failed submissions. The work is `Payouts.reconcileOnce`; every replica runs it (each
 * payout is claimed on its own, under a lease).
 */
@Injectable()
export class ReconcilePayoutsJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRunner,
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly payouts: Payouts,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('payout-reconcile', this.config.PAYOUT_RECONCILE_CRON, () => this.payouts.reconcileOnce());
  }
}
