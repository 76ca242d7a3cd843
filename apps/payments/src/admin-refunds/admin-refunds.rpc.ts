import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { paymentsRpc, type AdminPaymentRefundResult, type AdminRefundList, type AdminRefundView } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { paymentView } from '../get-booking-payment/booking-payment-view';
import { adminRefundView, listRefunds } from './admin-refund-view';
import { RefundFlaggedPayment } from './refund-flagged-payment';
import { RetryRefund } from './retry-refund';

/** Operators and refunds: the ones needing attention, a retry, and a flagged payment's money sent back. */
@Injectable()
export class AdminRefundsRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly retry: RetryRefund,
    private readonly flagged: RefundFlaggedPayment,
  ) {}

  /** Refunds by status, newest first; by default the ones needing an operator (failed, needs_review). */
  @OnRpc(paymentsRpc.adminRefundsList)
  async listRefunds({ data }: RpcContext<typeof paymentsRpc.adminRefundsList>): Promise<AdminRefundList> {
    return listRefunds(this.ds, data);
  }

  /** Puts a failed (or needs_review) refund back into the refund processor's hands, audited. */
  @OnRpc(paymentsRpc.adminRefundRetry)
  async retryRefund({ actor: admin, data: input }: RpcContext<typeof paymentsRpc.adminRefundRetry>): Promise<AdminRefundView> {
    return adminRefundView(await this.retry.retryByAdmin(input.refundId, admin.userId, input.reason ?? null));
  }

  /** Sends a flagged payment's money (held in suspense) back to the payer through Chapa, audited. */
  @OnRpc(paymentsRpc.adminPaymentRefund)
  async refundPayment({ actor: admin, data: input }: RpcContext<typeof paymentsRpc.adminPaymentRefund>): Promise<AdminPaymentRefundResult> {
    const { payment, refund } = await this.flagged.refundFlagged(admin.userId, input.paymentId, input.reason ?? null);
    return { payment: paymentView(payment), refund: adminRefundView(refund) };
  }
}
