import { Module } from '@nestjs/common';
import { CONFIG } from '@tutorhub/service';
import { AdminRpc } from './admin/admin.rpc';
import { ChapaClient } from './chapa/chapa.client';
import type { PaymentsConfig } from './config';
import { EscrowEventsHandler } from './escrow/escrow-events.handler';
import { EscrowService } from './escrow/escrow.service';
import { ReleaseDueEscrowsJob } from './escrow/release-due-escrows.job';
import { StudentReleaseRpc } from './escrow/student-release.rpc';
import { LedgerRepository } from './ledger/ledger.repository';
import { PaymentsMetrics } from './metrics/payments-metrics';
import { PaymentService } from './payments/payment.service';
import { PaymentsRpc } from './payments/payments.rpc';
import { ReconcilePaymentsJob } from './payments/reconcile-payments.job';
import { PayoutService } from './payouts/payout.service';
import { ReconcilePayoutsJob } from './payouts/reconcile-payouts.job';
import { ProcessRefundsJob } from './refunds/process-refunds.job';
import { RefundProcessor } from './refunds/refund.processor';
import { WalletRpc } from './wallet/wallet.rpc';

/** Payments, escrow, ledger, refunds, payouts: every provider of the service. */
@Module({
  providers: [
    {
      provide: ChapaClient,
      inject: [CONFIG],
      useFactory: (config: PaymentsConfig) =>
        new ChapaClient({
          baseUrl: config.CHAPA_BASE_URL,
          secretKey: config.CHAPA_SECRET_KEY,
          timeoutMs: config.CHAPA_TIMEOUT_MS,
          retries: config.CHAPA_RETRIES,
        }),
    },
    LedgerRepository,
    EscrowService,
    EscrowEventsHandler,
    ReleaseDueEscrowsJob,
    RefundProcessor,
    ProcessRefundsJob,
    PaymentService,
    ReconcilePaymentsJob,
    PaymentsRpc,
    PayoutService,
    ReconcilePayoutsJob,
    WalletRpc,
    AdminRpc,
    StudentReleaseRpc,
    PaymentsMetrics,
  ],
  exports: [LedgerRepository, EscrowService, ReleaseDueEscrowsJob, RefundProcessor, PaymentService, PayoutService],
})
export class PaymentsModule {}
