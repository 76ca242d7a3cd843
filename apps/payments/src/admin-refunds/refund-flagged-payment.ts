import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError, Clock } from '@tutorhub/platform';
import { ChapaClient, type ChapaVerifyResult } from '../chapa/chapa.client';
import { ConfirmPayment } from '../confirm-payment/confirm-payment';
import { suspenseRefundedPosting } from '../domain/ledger';
import type { Currency } from '../domain/money';
import { ProcessRefunds } from '../process-refunds/process-refunds';
import { inTransaction, minor } from '../shared/db';
import { EscrowTransitions } from '../shared/escrow-transitions';
import { paymentUnavailable } from '../shared/payment-helpers';
import { insertAdminAction } from '../stores/admin-action.store';
import { lockBooking } from '../stores/booking.store';
import { LedgerStore } from '../stores/ledger.store';
import { findPayment, lockKnownPayment, markPaymentRefunded, type PaymentRow } from '../stores/payment.store';
import { markSourceSuspense, type RefundRow } from '../stores/refund.store';

@Injectable()
export class RefundFlaggedPayment {
  private readonly logger = new Logger('Payments');

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly chapa: ChapaClient,
    private readonly payments: ConfirmPayment,
    private readonly escrows: EscrowTransitions,
    private readonly refunds: ProcessRefunds,
    private readonly ledger: LedgerStore,
  ) {}

  /**
   * An operator sends a flagged payment's money back to the payer: suspense → refunds_payable,
   * and a full refund of the Chapa transaction goes through the refund processor like any other.
   * The payment becomes `refunded`. A payment flagged before suspense existed has no received
   * amount yet: Chapa's verify says what it received, and it is suspended first. Audited.
   */
  async refundFlagged(adminId: string, paymentId: string, note: string | null): Promise<{ payment: PaymentRow; refund: RefundRow }> {
    const known = await findPayment(this.ds, paymentId);
    if (!known) throw new AppError(404, 'payment.not_found', 'No such payment.');
    if (known.status !== 'flagged') {
      throw new AppError(409, 'payment.not_refundable', `The payment is ${known.status}; only a flagged payment's money is refunded from suspense.`, {
        status: known.status,
      });
    }
    let received: { amountMinor: number; currency: Currency } | null =
      known.received_minor !== null && known.received_currency !== null ? { amountMinor: minor(known.received_minor), currency: known.received_currency } : null;
    if (!received) {
      let verified: ChapaVerifyResult;
      try {
        verified = await this.chapa.verify(known.tx_ref);
      } catch (err) {
        this.logger.warn(`admin refund of ${paymentId}: verify failed: ${(err as Error).message}`);
        throw paymentUnavailable('Chapa could not be asked what it received for this payment.');
      }
      if (verified.kind !== 'paid') {
        throw new AppError(409, 'payment.nothing_received', 'Chapa reports no money received for this payment; there is nothing to refund.');
      }
      received = { amountMinor: verified.amountMinor, currency: verified.currency };
    }
    const got = received;
    const result = await inTransaction(this.ds, async (em) => {
      await lockBooking(em, known.booking_id);
      const p = await lockKnownPayment(em, paymentId);
      if (p.status !== 'flagged') {
        throw new AppError(409, 'payment.not_refundable', `The payment is ${p.status}; only a flagged payment's money is refunded from suspense.`, {
          status: p.status,
        });
      }
      const now = this.clock.now();
      if (p.received_minor === null) await this.payments.suspend(em, p, got, `suspended at admin refund: ${p.failure_reason ?? ''}`, now);
      const reason = `suspense_refund: ${note ?? p.failure_reason ?? 'verification mismatch'}`.slice(0, 500);
      await this.ledger.post(em, [
        {
          kind: 'suspense_refunded',
          idempotencyKey: `suspense_refunded:${p.id}`,
          occurredAt: now,
          bookingId: p.booking_id,
          paymentId: p.id,
          memo: reason,
          entries: suspenseRefundedPosting({ paymentId: p.id, bookingId: p.booking_id, currency: got.currency, amountMinor: got.amountMinor }),
        },
      ]);
      const refundId = await this.escrows.createRefund(em, {
        paymentId: p.id,
        escrowId: null,
        bookingId: p.booking_id,
        txRef: p.tx_ref,
        amountMinor: got.amountMinor,
        currency: got.currency,
        fullRefund: true,
        reason,
        now,
      });
      const refund = await markSourceSuspense(em, refundId);
      const payment = await markPaymentRefunded(em, p.id, now);
      await insertAdminAction(em, {
        adminId,
        action: 'suspense_refund',
        subjectType: 'payment',
        subjectId: p.id,
        detail: { refundId, amountMinor: got.amountMinor, currency: got.currency, note },
        now,
      });
      return { payment, refund };
    });
    this.logger.log(`flagged payment ${paymentId}: ${got.amountMinor} ${got.currency} sent back from suspense by admin ${adminId}`);
    this.refunds.kickSoon();
    return result;
  }
}
