import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  paymentsRpc,
  type BookingPaymentView,
} from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AppError, counter } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import { parseChapaWebhook, verifyChapaSignature } from '../chapa/chapa-webhook';
import type { PaymentsConfig } from '../config';
import { PayoutService } from '../payouts/payout.service';
import { RefundProcessor, type RefundStatus } from '../refunds/refund.processor';
import { iso, isoOf, minor, one, rows } from '../shared/db';
import { requireActor } from '../shared/access';
import type { EscrowRow } from '../escrow/escrow.store';
import { PaymentService, type PaymentRow } from './payment.service';

const webhooks = counter('payments_chapa_webhooks_total', 'Chapa webhooks received, by kind and outcome', ['kind', 'outcome']);

@Injectable()
export class PaymentsRpc {
  private readonly logger = new Logger('PaymentsRpc');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly payments: PaymentService,
    private readonly payouts: PayoutService,
    private readonly refunds: RefundProcessor,
  ) {}

  @OnRpc(paymentsRpc.initiate)
  async initiate({ actor, data: input }: RpcContext<typeof paymentsRpc.initiate>) {
    const who = requireActor(actor);
    return this.payments.initiate(who, input.bookingId, input.owner);
  }

  @OnRpc(paymentsRpc.bookingPaymentGet)
  async get({ actor, data: { bookingId, owner } }: RpcContext<typeof paymentsRpc.bookingPaymentGet>): Promise<BookingPaymentView> {
    const who = requireActor(actor);
    // Who may look: our copy of the booking, or (read-your-writes, ADR 0006) the owner's booking
    // that the gateway passes when our copy has not caught up. Payment and escrow are our own data.
    const booking =
      (await one<{ student_id: string; tutor_id: string }>(this.ds, `SELECT student_id, tutor_id FROM payments.bookings WHERE booking_id = $1`, [
        bookingId,
      ])) ?? (owner ? { student_id: owner.studentId, tutor_id: owner.tutorId } : undefined);
    const maySee = booking && (who.role === 'admin' || who.userId === booking.student_id || who.userId === booking.tutor_id);
    if (!maySee) throw new AppError(404, 'booking.not_found', 'No such booking.');
    return bookingPaymentView(this.ds, bookingId);
  }

  /**
   * `POST /api/webhooks/chapa`. Authenticity first: the HMAC of the exact raw bytes, in constant
   * time. Then the body is only a hint of *which* object changed: payments are re-verified with
   * Chapa, payouts and refunds re-checked, before anything moves.
   */
  @OnRpc(paymentsRpc.chapaWebhook)
  async webhook({ data: input }: RpcContext<typeof paymentsRpc.chapaWebhook>) {
    const raw = Buffer.from(input.rawBody, 'base64');
    if (!verifyChapaSignature(raw, input.headers, this.config.CHAPA_WEBHOOK_SECRET)) {
      webhooks.inc({ kind: 'unknown', outcome: 'bad_signature' });
      this.logger.warn('Chapa webhook with a missing or wrong signature refused');
      throw new AppError(401, 'chapa.bad_signature', 'The webhook signature is missing or wrong.');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      webhooks.inc({ kind: 'unknown', outcome: 'not_json' });
      return { received: true, handled: false };
    }
    const event = parseChapaWebhook(body);
    if (event.kind === 'payment' && event.txRef) {
      const outcome = await this.payments.confirm(event.txRef, `webhook:${event.event ?? event.status ?? 'payment'}`);
      webhooks.inc({ kind: 'payment', outcome });
      if (outcome === 'unavailable') {
        throw Object.assign(new Error('Chapa verify unavailable'), { status: 503, code: 'chapa.unavailable' });
      }
      return { received: true, handled: true, outcome };
    }
    if (event.kind === 'payout' && event.reference) {
      const reversal = event.outcome === 'reversed';
      const outcome = await this.payouts.reconcile(event.reference, 'webhook', reversal ? 'reversed' : null);
      webhooks.inc({ kind: 'payout', outcome });
      if (reversal && outcome === 'unavailable') {
        // The reversal could not be verified: Chapa must send it again (it retries non-2xx).
        throw Object.assign(new Error('Chapa transfer verify unavailable'), { status: 503, code: 'chapa.unavailable' });
      }
      return { received: true, handled: true, outcome };
    }
    if (event.kind === 'refund' && event.txRef) {
      const open = await rows<{ id: string }>(
        this.ds,
        `SELECT id FROM payments.refunds WHERE tx_ref = $1 AND status IN ('pending', 'submitted')`,
        [event.txRef],
      );
      webhooks.inc({ kind: 'refund', outcome: open.length ? 'recheck' : 'nothing_open' });
      if (open.length) this.refunds.kickSoon();
      return { received: true, handled: open.length > 0 };
    }
    webhooks.inc({ kind: event.kind, outcome: 'ignored' });
    return { received: true, handled: false };
  }

  /** `GET /api/payments/chapa/callback`: Chapa's callback and the buyer's return; both verify. */
  @OnRpc(paymentsRpc.chapaCallback)
  async callback({ data: { query } }: RpcContext<typeof paymentsRpc.chapaCallback>) {
    const pick = (key: string) => {
      const v = query[key];
      return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
    };
    const txRef = pick('trx_ref') || pick('tx_ref');
    if (!txRef) throw new AppError(400, 'chapa.callback_without_reference', 'The callback names no trx_ref or tx_ref.');
    const outcome = await this.payments.confirm(txRef, 'callback');
    const payment = await one<{ id: string; status: string; booking_id: string }>(
      this.ds,
      `SELECT id, status, booking_id FROM payments.payments WHERE tx_ref = $1`,
      [txRef],
    );
    return {
      received: true,
      txRef,
      outcome,
      paymentStatus: payment?.status ?? null,
      bookingId: payment?.booking_id ?? null,
    };
  }
}

export function paymentView(payment: PaymentRow): NonNullable<BookingPaymentView['payment']> {
  return {
    id: payment.id,
    bookingId: payment.booking_id,
    txRef: payment.tx_ref,
    status: payment.status,
    amount: { amountMinor: minor(payment.amount_minor), currency: payment.currency },
    checkoutUrl: payment.checkout_url,
    createdAt: isoOf(payment.created_at),
    verifiedAt: iso(payment.verified_at),
    failureReason: payment.failure_reason,
  };
}

export async function bookingPaymentView(ds: DataSource, bookingId: string): Promise<BookingPaymentView> {
  const payment = await one<PaymentRow>(
    ds,
    `SELECT * FROM payments.payments WHERE booking_id = $1
      ORDER BY (status IN ('initiated', 'succeeded')) DESC, created_at DESC LIMIT 1`,
    [bookingId],
  );
  const escrow = await one<EscrowRow>(ds, `SELECT * FROM payments.escrows WHERE booking_id = $1`, [bookingId]);
  const refunds = escrow
    ? await rows<{ id: string; amount_minor: string; currency: 'ETB' | 'USD'; status: RefundStatus; reason: string; created_at: Date; settled_at: Date | null }>(
        ds,
        `SELECT id, amount_minor, currency, status, reason, created_at, settled_at FROM payments.refunds WHERE escrow_id = $1 ORDER BY created_at`,
        [escrow.id],
      )
    : [];
  const money = (v: string | null, currency: 'ETB' | 'USD') => (v === null ? null : { amountMinor: minor(v), currency });
  return {
    bookingId,
    payment: payment ? paymentView(payment) : null,
    escrow: escrow
      ? {
          id: escrow.id,
          status: escrow.status,
          amount: { amountMinor: minor(escrow.amount_minor), currency: escrow.currency },
          heldAt: isoOf(escrow.held_at),
          releaseScheduledFor: iso(escrow.release_at),
          frozenAt: iso(escrow.frozen_at),
          releasedAt: iso(escrow.released_at),
          refundedAt: iso(escrow.refunded_at),
          tutorAmount: money(escrow.tutor_minor, escrow.currency),
          platformFee: money(escrow.fee_minor, escrow.currency),
          refundAmount: money(escrow.refund_minor, escrow.currency),
          settleReason: escrow.settle_reason,
          refunds: refunds.map((r) => ({
            id: r.id,
            amount: { amountMinor: minor(r.amount_minor), currency: r.currency },
            status: r.status,
            reason: r.reason,
            createdAt: isoOf(r.created_at),
            settledAt: iso(r.settled_at),
          })),
        }
      : null,
  };
}
