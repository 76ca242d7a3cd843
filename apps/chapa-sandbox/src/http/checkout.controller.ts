import { Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { SandboxConfig } from '../config';
import { type Settlement, SandboxRefusal, SandboxStore } from '../domain/sandbox-store';
import { OutboundNotifier } from '../notify/outbound-notifier';
import { SANDBOX_CONFIG } from '../sandbox.tokens';
import { chargeWebhook, modeOf } from './chapa-views';
import { checkoutPage, messagePage, resultPage } from './checkout.page';

// The hosted checkout. GET renders the page; POST …/pay and …/fail (the page's buttons, or
// scripts) settle the transaction, notify the merchant like Chapa, then send the buyer on.
//
// Settling twice: repeating the same action is idempotent — it answers the same redirect
// again and sends no second webhook or callback. The opposite action on a settled
// transaction (pay after fail, fail after pay) is refused with 409.

@Controller('checkout')
export class CheckoutController {
  constructor(
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
    private readonly store: SandboxStore,
    private readonly notifier: OutboundNotifier,
  ) {}

  @Get(':txRef')
  show(@Param('txRef') txRef: string, @Res() res: Response): void {
    const tx = this.store.findTransaction(txRef);
    if (!tx || tx.txRef !== txRef) {
      res.status(404).type('html').send(messagePage('Payment not found', `No transaction with reference ${txRef}.`));
      return;
    }
    res.status(200).type('html').send(checkoutPage(tx));
  }

  @Post(':txRef/pay')
  pay(@Param('txRef') txRef: string, @Res() res: Response): Promise<void> {
    return this.settle(txRef, 'success', res);
  }

  @Post(':txRef/fail')
  fail(@Param('txRef') txRef: string, @Res() res: Response): Promise<void> {
    return this.settle(txRef, 'failed', res);
  }

  private async settle(txRef: string, outcome: Settlement, res: Response): Promise<void> {
    let settled: ReturnType<SandboxStore['settle']>;
    try {
      settled = this.store.settle(txRef, outcome);
    } catch (err) {
      if (!(err instanceof SandboxRefusal)) throw err;
      const title = err.httpStatus === 404 ? 'Payment not found' : 'Payment already settled';
      res.status(err.httpStatus).type('html').send(messagePage(title, err.message));
      return;
    }
    const { tx, changed } = settled;
    if (changed) {
      // In Chapa's order: the transaction is final (verify already says so), the webhook
      // goes out, the callback_url is called, and the buyer is redirected. Only the first
      // attempt of each is awaited; a failed webhook is re-delivered in the background.
      await this.notifier.webhook(
        chargeWebhook(tx, modeOf(this.config.secretKey), outcome === 'success' ? 'charge.success' : 'charge.failed'),
      );
      if (tx.callbackUrl) {
        await this.notifier.callback(tx.callbackUrl, { trx_ref: tx.txRef, ref_id: tx.reference, status: outcome });
      }
    }
    if (tx.returnUrl) {
      res.redirect(303, tx.returnUrl);
      return;
    }
    res.status(200).type('html').send(resultPage(tx));
  }
}
