import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { paymentsRpc } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AppError, counter } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import { parseChapaWebhook, verifyChapaSignature } from '../chapa/chapa-webhook';
import type { PaymentsConfig } from '../config';
import { ConfirmPayment } from '../confirm-payment/confirm-payment';
import { ProcessRefunds } from '../process-refunds/process-refunds';
import { paymentSummaryByTxRef } from '../stores/payment.store';
import { openRefundsOfTxRef } from '../stores/refund.store';
import { Payouts } from '../withdraw/payouts';

const webhooks = counter('payments_chapa_webhooks_total', 'Chapa webhooks received, by kind and outcome', ['kind', 'outcome']);

/**
 * Chapa's webhook and callback (through the gateway). They only name what changed: payments are
 * verified by confirm-payment/, payouts by withdraw/, refunds re-checked by process-refunds/.
 */
@Injectable()
export class HandleChapaWebhookRpc {
  private readonly logger = new Logger('PaymentsRpc');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly payments: ConfirmPayment,
    private readonly payouts: Payouts,
    private readonly refunds: ProcessRefunds,
  ) {}

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
      const open = await openRefundsOfTxRef(this.ds, event.txRef);
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
    const payment = await paymentSummaryByTxRef(this.ds, txRef);
    return {
      received: true,
      txRef,
      outcome,
      paymentStatus: payment?.status ?? null,
      bookingId: payment?.booking_id ?? null,
    };
  }
}
