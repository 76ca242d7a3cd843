import { Module } from '@nestjs/common';
import { CONFIG } from '@tutorhub/service';
import { AdminEscrowRpc } from './admin-escrow/admin-escrow.rpc';
import { SettleByAdmin } from './admin-escrow/settle-by-admin';
import { AdminRefundsRpc } from './admin-refunds/admin-refunds.rpc';
import { RefundFlaggedPayment } from './admin-refunds/refund-flagged-payment';
import { RetryRefund } from './admin-refunds/retry-refund';
import { ChapaClient } from './chapa/chapa.client';
import type { PaymentsConfig } from './config';
import { ConfirmPayment } from './confirm-payment/confirm-payment';
import { DisputeEscrow } from './dispute-escrow/dispute-escrow';
import { DisputeEscrowEvents } from './dispute-escrow/dispute-escrow.events';
import { GetBookingPaymentRpc } from './get-booking-payment/get-booking-payment.rpc';
import { HandleChapaWebhookRpc } from './handle-chapa-webhook/handle-chapa-webhook.rpc';
import { PaymentsMetrics } from './metrics/payments-metrics';
import { ProcessRefunds } from './process-refunds/process-refunds';
import { ProcessRefundsJob } from './process-refunds/process-refunds.job';
import { BookingsReadModelEvents } from './read-model/bookings.events';
import { ReconcilePayments } from './reconcile-payments/reconcile-payments';
import { ReconcilePaymentsJob } from './reconcile-payments/reconcile-payments.job';
import { RefundCancellation } from './refund-cancellation/refund-cancellation';
import { RefundCancellationEvents } from './refund-cancellation/refund-cancellation.events';
import { ReleaseDueEscrowsJob } from './release-due-escrows/release-due-escrows.job';
import { ReleaseEarly } from './release-early/release-early';
import { ReleaseEarlyRpc } from './release-early/release-early.rpc';
import { SettleAfterLesson } from './settle-after-lesson/settle-after-lesson';
import { SettleAfterLessonEvents } from './settle-after-lesson/settle-after-lesson.events';
import { EscrowTransitions } from './shared/escrow-transitions';
import { StartCheckout } from './start-checkout/start-checkout';
import { StartCheckoutRpc } from './start-checkout/start-checkout.rpc';
import { LedgerStore } from './stores/ledger.store';
import { Wallet } from './wallet/wallet';
import { WalletRpc } from './wallet/wallet.rpc';
import { Payouts } from './withdraw/payouts';
import { ReconcilePayoutsJob } from './withdraw/reconcile-payouts.job';
import { WithdrawRpc } from './withdraw/withdraw.rpc';

/** Payments, escrow, ledger, refunds, payouts: every provider of the service (layout: README). */
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
    LedgerStore,
    EscrowTransitions,
    // read model and event consumers
    BookingsReadModelEvents,
    RefundCancellationEvents,
    SettleAfterLessonEvents,
    DisputeEscrowEvents,
    // use cases
    RefundCancellation,
    SettleAfterLesson,
    DisputeEscrow,
    StartCheckout,
    ConfirmPayment,
    ReconcilePayments,
    ProcessRefunds,
    Payouts,
    RetryRefund,
    RefundFlaggedPayment,
    SettleByAdmin,
    ReleaseEarly,
    Wallet,
    // rpc adapters
    StartCheckoutRpc,
    GetBookingPaymentRpc,
    HandleChapaWebhookRpc,
    WalletRpc,
    WithdrawRpc,
    ReleaseEarlyRpc,
    AdminEscrowRpc,
    AdminRefundsRpc,
    // jobs
    ReleaseDueEscrowsJob,
    ProcessRefundsJob,
    ReconcilePaymentsJob,
    ReconcilePayoutsJob,
    PaymentsMetrics,
  ],
  exports: [LedgerStore, EscrowTransitions, ReleaseDueEscrowsJob, ProcessRefunds, StartCheckout, ConfirmPayment, ReconcilePayments, Payouts],
})
export class PaymentsModule {}
