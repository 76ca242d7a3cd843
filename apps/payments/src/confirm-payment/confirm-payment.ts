import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { OutboxService } from '@tutorhub/messaging';
import { Clock, counter } from '@tutorhub/platform';
import { ChapaError } from '../chapa/chapa-error';
import { ChapaClient, type ChapaVerifyResult } from '../chapa/chapa.client';
import { paymentSuspendedPosting } from '../domain/ledger';
import type { Currency } from '../domain/money';
import { ProcessRefunds } from '../process-refunds/process-refunds';
import { inTransaction, minor } from '../shared/db';
import { EscrowTransitions } from '../shared/escrow-transitions';
import { failPayment, paymentEventData } from '../shared/payment-helpers';
import { lockBooking } from '../stores/booking.store';
import { lockEscrowByBooking } from '../stores/escrow.store';
import { LedgerStore } from '../stores/ledger.store';
import {
  findPaymentByTxRef,
  lockKnownPayment,
  lockOtherInitiated,
  lockPayment,
  markPaymentFlagged,
  markPaymentSucceeded,
  markRefundedOnArrival,
  saveReceived,
  stampChecked,
  type PaymentRow,
} from '../stores/payment.store';

const verifications = counter('payments_verifications_total', 'Chapa verify outcomes for payments', ['outcome']);

/** What a verification did; `unavailable` means Chapa could not be asked (retry later). */
export type ConfirmOutcome =
  | 'unknown_tx_ref'
  | 'already_final'
  | 'held'
  | 'refunded_on_arrival'
  | 'flagged'
  | 'failed'
  | 'not_paid'
  | 'unavailable';

/**
 * A payment from Chapa's word to a verified capture (called by the webhook and callback in
 * handle-chapa-webhook/ and by reconcile-payments/).
 *
 * Nothing Chapa *sends* us is believed: a webhook or callback only names a tx_ref, and the money
 * moves only after our own `GET /transaction/verify/{tx_ref}` says success with the amount,
 * currency and tx_ref we expect. The capture then runs in one transaction that locks the booking
 * and the payment rows and re-checks the payment status, so replays and concurrent duplicates
 * (webhook + callback + reconciliation at once) find the work done and change nothing.
 */
@Injectable()
export class ConfirmPayment {
  private readonly logger = new Logger('Payments');

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly chapa: ChapaClient,
    private readonly outbox: OutboxService,
    private readonly escrows: EscrowTransitions,
    private readonly refunds: ProcessRefunds,
    private readonly ledger: LedgerStore,
  ) {}


  /**
   * Verifies a payment with Chapa and applies the result once. Safe to call any number of
   * times, concurrently, from the webhook, the callback and the reconciliation job.
   */
  async confirm(txRef: string, source: string): Promise<ConfirmOutcome> {
    const known = await findPaymentByTxRef(this.ds, txRef);
    if (!known) {
      this.logger.warn(`${source}: no payment with tx_ref ${JSON.stringify(txRef.slice(0, 100))}; ignored`);
      return 'unknown_tx_ref';
    }
    if (known.status === 'succeeded' || known.status === 'refunded' || known.status === 'flagged') return 'already_final';

    let verified: ChapaVerifyResult;
    try {
      verified = await this.chapa.verify(txRef);
    } catch (err) {
      verifications.inc({ outcome: 'unavailable' });
      this.logger.warn(`${source}: verify of ${txRef} failed: ${(err as Error).message}`);
      if (err instanceof ChapaError && !err.retryable && err.code !== 'unauthorized') {
        // Chapa answered something we cannot read as a success: nothing is believed.
        return 'not_paid';
      }
      return 'unavailable';
    }
    await inTransaction(this.ds, (em) => stampChecked(em, known.id, this.clock.now()));
    if (verified.kind !== 'paid') {
      verifications.inc({ outcome: verified.kind });
      const chapaStatus = verified.kind === 'not_paid' ? verified.status : null;
      const failedAtChapa = chapaStatus !== null && /^(fail|cancel|declin|expir|reject)/.test(chapaStatus);
      if (!failedAtChapa) return 'not_paid';
      return inTransaction(this.ds, async (em) => {
        const p = await lockPayment(em, known.id);
        if (!p || p.status !== 'initiated') return 'already_final';
        await failPayment(em, this.outbox, p, `chapa_${chapaStatus}`, this.clock.now());
        return 'failed';
      });
    }

    const outcome = await inTransaction(this.ds, async (em) => {
      // Lock order: booking, then payment (the same order as every escrow change).
      const booking = await lockBooking(em, known.booking_id);
      const p = await lockKnownPayment(em, known.id);
      if (p.status !== 'initiated' && p.status !== 'failed') return 'already_final' as const;
      const now = this.clock.now();

      const expected = { amountMinor: minor(p.amount_minor), currency: p.currency, txRef: p.tx_ref };
      if (verified.amountMinor !== expected.amountMinor || verified.currency !== expected.currency || verified.txRef !== expected.txRef) {
        const detail = `verify mismatch: expected ${expected.amountMinor} ${expected.currency} ${expected.txRef}, Chapa says ${verified.amountMinor} ${verified.currency} ${verified.txRef}`;
        this.logger.error(`payment ${p.id} flagged (${source}): ${detail}; the money is held in suspense`);
        await markPaymentFlagged(em, p.id, detail.slice(0, 500), verified.reference || null, now);
        // The money is at Chapa all the same: book it (cash ↑ / suspense ↑), so platform cash
        // matches Chapa and an operator can send it back (refundFlagged).
        await this.suspend(em, p, { amountMinor: verified.amountMinor, currency: verified.currency }, detail, now);
        await this.outbox.add(em, 'payments.payment.failed.v1', { ...paymentEventData(p), reason: 'verification_mismatch' });
        return 'flagged' as const;
      }

      const escrow = await lockEscrowByBooking(em, p.booking_id);
      const holdable = booking?.status === 'accepted' && !escrow;
      if (!holdable) {
        // Paid, but there is nothing to hold it for any more: the booking was cancelled, expired
        // or declined meanwhile, or (defensively) it is already paid. Refund everything.
        const reason = escrow ? 'duplicate_payment' : `booking_${booking?.status ?? 'unknown'}`;
        await this.captureAndRefund(em, p, verified.reference, reason, now, !escrow);
        return 'refunded_on_arrival' as const;
      }
      // A late success of a payment we had given up on: retire any other live checkout first.
      const other = await lockOtherInitiated(em, p.booking_id, p.id);
      for (const o of other) await failPayment(em, this.outbox, o, 'superseded', now);
      await markPaymentSucceeded(em, p.id, verified.reference || null, now);
      await this.escrows.hold(em, p, now, { emitHeld: true });
      await this.outbox.add(em, 'payments.payment.succeeded.v1', paymentEventData(p));
      return 'held' as const;
    });
    verifications.inc({ outcome });
    if (outcome === 'refunded_on_arrival') this.refunds.kickSoon();
    return outcome;
  }

  /**
   * The money arrived but cannot be held: capture it (cash ↑, escrow ↑) and refund it at once
   * (escrow → refunds_payable). With no escrow yet, the booking's escrow records it as refunded;
   * a second payment of an already paid booking has only a refund row.
   */
  private async captureAndRefund(em: EntityManager, p: PaymentRow, chapaReference: string, reason: string, now: Date, createEscrow: boolean) {
    // Straight to `refunded` (not a live status, so it never competes with a live payment).
    await markRefundedOnArrival(em, p.id, chapaReference || null, reason, now);
    await this.outbox.add(em, 'payments.payment.succeeded.v1', paymentEventData(p));
    if (createEscrow) {
      const escrow = await this.escrows.hold(em, p, now, { emitHeld: false });
      await this.escrows.settle(em, escrow, { action: 'refund', reason, now, source: 'payment' });
      return;
    }
    // Duplicate payment: no escrow of its own. Captured through the booking's escrow account
    // and straight out again to refunds_payable.
    await this.escrows.captureDuplicate(em, p, reason, now);
  }

  /** Books what Chapa received for a flagged payment into its suspense account, once. */
  /** Books what Chapa received for a flagged payment into its suspense account, once. */
  async suspend(em: EntityManager, p: PaymentRow, received: { amountMinor: number; currency: Currency }, memo: string, now: Date): Promise<void> {
    await saveReceived(em, p.id, received);
    await this.ledger.post(em, [
      {
        kind: 'payment_suspended',
        idempotencyKey: `suspense:${p.id}`,
        occurredAt: now,
        bookingId: p.booking_id,
        paymentId: p.id,
        memo: memo.slice(0, 500),
        entries: paymentSuspendedPosting({ paymentId: p.id, currency: received.currency, amountMinor: received.amountMinor }),
      },
    ]);
  }
}
