import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import type { SandboxConfig } from '../config';
import { formatMinor, parseAmount } from '../domain/sandbox-money';
import { SandboxStore } from '../domain/sandbox-store';
import { OutboundNotifier } from '../notify/outbound-notifier';
import { SANDBOX_CONFIG } from '../sandbox.tokens';
import { chapaSuccess, refusal } from './chapa-envelope';
import { modeOf, transferData, transferWebhook } from './chapa-views';
import { asBody, FieldErrors, required } from './requests';

// Scripts for what happens at Chapa's side without the merchant asking, like the checkout's
// pay/fail buttons: a bank reversing a transfer, Chapa refunding less than it was asked. Not
// part of Chapa's API (no `/v1`, no key); what the merchant then sees — webhooks, verify
// answers — is exactly what Chapa sends.

@Controller('sandbox')
export class ScenariosController {
  constructor(
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
    private readonly store: SandboxStore,
    private readonly notifier: OutboundNotifier,
  ) {}

  /** The beneficiary bank returns a successful transfer: status `reversed`, a `transfer.reversed` webhook follows. */
  @Post('transfers/:reference/reverse')
  @HttpCode(200)
  reverse(@Param('reference') reference: string) {
    try {
      const before = this.store.findTransfer(reference)?.status;
      const transfer = this.store.reverseTransfer(reference);
      if (before !== 'reversed') this.notifier.webhookInBackground(transferWebhook(transfer));
      return chapaSuccess('Transfer reversed', transferData(transfer, modeOf(this.config.secretKey)));
    } catch (err) {
      refusal(err);
    }
  }

  /** From now on Chapa keeps `keep` (a decimal amount) of every refund of this transaction. */
  @Post('transactions/:txRef/refund-keep')
  @HttpCode(200)
  refundKeep(@Param('txRef') txRef: string, @Body() raw: unknown) {
    const body = asBody(raw);
    const errors = new FieldErrors();
    let keepMinor = 0;
    if (required(body, 'keep', errors) !== null) {
      const amount = parseAmount(body['keep'], 'keep');
      if (amount.ok) keepMinor = amount.minor;
      else errors.add('keep', amount.error);
    }
    errors.throwIfAny();
    try {
      const tx = this.store.keepOnRefunds(txRef, keepMinor);
      return chapaSuccess('Refund policy set', { tx_ref: tx.txRef, keep: formatMinor(keepMinor) });
    } catch (err) {
      refusal(err);
    }
  }
}
