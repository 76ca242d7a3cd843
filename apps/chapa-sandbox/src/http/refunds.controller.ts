import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import type { SandboxConfig } from '../config';
import { formatMinor, parseAmount } from '../domain/sandbox-money';
import { SandboxStore } from '../domain/sandbox-store';
import { OutboundNotifier } from '../notify/outbound-notifier';
import { SANDBOX_CONFIG } from '../sandbox.tokens';
import { ChapaAuthGuard } from './chapa-auth.guard';
import { ChapaHttpError, chapaSuccess, refusal } from './chapa-envelope';
import { chargeWebhook, modeOf, refundData } from './chapa-views';
import { asBody, FieldErrors, objectField, text } from './requests';

@Controller('v1/refund')
@UseGuards(ChapaAuthGuard)
export class RefundsController {
  constructor(
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
    private readonly store: SandboxStore,
    private readonly notifier: OutboundNotifier,
  ) {}

  /** Full refund without `amount`; partial refunds up to what is left. Settles at once. */
  @Post(':txRef')
  @HttpCode(200)
  refund(@Param('txRef') txRef: string, @Body() raw: unknown) {
    const body = asBody(raw);
    const errors = new FieldErrors();
    let amountMinor: number | null = null;
    if (text(body, 'amount', errors) !== null) {
      const amount = parseAmount(body['amount']);
      if (amount.ok) amountMinor = amount.minor;
      else errors.add('amount', amount.error);
    }
    const reason = text(body, 'reason', errors);
    const reference = text(body, 'reference', errors);
    const meta = objectField(body, 'meta', errors);
    errors.throwIfAny();

    try {
      const { refund, tx } = this.store.refund(txRef, { amountMinor, reason, reference, meta });
      this.notifier.webhookInBackground(
        chargeWebhook(tx, modeOf(this.config.secretKey), 'charge.refunded', {
          refund: { ref_id: refund.refId, reference: refund.reference, amount: formatMinor(refund.amountMinor) },
        }),
      );
      return chapaSuccess('Refund initiated successfully', refundData(refund, 'Refund Initiated'));
    } catch (err) {
      refusal(err);
    }
  }

  /** `ref` is Chapa's ref_id or the merchant's refund reference. */
  @Get(':ref/verify')
  verify(@Param('ref') ref: string) {
    const refund = this.store.findRefund(ref);
    if (!refund) throw new ChapaHttpError(404, 'Refund not found');
    return chapaSuccess('Refund verified successfully', refundData(refund, refund.status));
  }
}
