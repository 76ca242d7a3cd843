import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import type { SandboxConfig } from '../config';
import { findBank } from '../domain/banks';
import { parseAmount } from '../domain/sandbox-money';
import { SandboxStore } from '../domain/sandbox-store';
import { OutboundNotifier } from '../notify/outbound-notifier';
import { SANDBOX_CONFIG } from '../sandbox.tokens';
import { ChapaAuthGuard } from './chapa-auth.guard';
import { ChapaHttpError, chapaSuccess, refusal } from './chapa-envelope';
import { modeOf, transferData, transferWebhook } from './chapa-views';
import { asBody, FieldErrors, required, text } from './requests';

@Controller('v1/transfers')
@UseGuards(ChapaAuthGuard)
export class TransfersController {
  constructor(
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
    private readonly store: SandboxStore,
    private readonly notifier: OutboundNotifier,
  ) {}

  /** Queues a payout; it settles at once (account numbers starting "0000" fail) and a webhook follows. */
  @Post()
  @HttpCode(200)
  transfer(@Body() raw: unknown) {
    const body = asBody(raw);
    const errors = new FieldErrors();
    const accountName = required(body, 'account_name', errors);
    const accountNumber = required(body, 'account_number', errors);
    let amountMinor = 0;
    if (required(body, 'amount', errors) !== null) {
      const amount = parseAmount(body['amount']);
      if (amount.ok) amountMinor = amount.minor;
      else errors.add('amount', amount.error);
    }
    const currency = required(body, 'currency', errors)?.toUpperCase() ?? null;
    const bankCode = required(body, 'bank_code', errors);
    const reference = text(body, 'reference', errors);
    errors.throwIfAny();

    if (currency !== 'ETB') {
      throw new ChapaHttpError(400, `Invalid currency, ${currency} is not supported only ETB is supported to use Transfer API.`);
    }
    const bank = findBank(bankCode);
    if (!bank) {
      throw new ChapaHttpError(400, 'The Bank Code is incorrect please check if it does exist with our getbanks endpoint.');
    }
    try {
      const transfer = this.store.transfer({
        reference,
        accountName: accountName as string,
        accountNumber: accountNumber as string,
        amountMinor,
        bank,
      });
      this.notifier.webhookInBackground(transferWebhook(transfer));
      const mode = modeOf(this.config.secretKey);
      return chapaSuccess(
        mode === 'test' ? 'Transfer Queued Successfully in Test Mode' : 'Transfer Queued Successfully',
        transfer.chapaReference,
      );
    } catch (err) {
      refusal(err);
    }
  }

  @Get('verify/:reference')
  verify(@Param('reference') reference: string) {
    if (this.store.verifyIsDown(reference)) throw new ChapaHttpError(503, 'Service Unavailable');
    const transfer = this.store.findTransfer(reference);
    if (!transfer) throw new ChapaHttpError(404, 'Transfer not found');
    return chapaSuccess('Transfer details fetched successfully', transferData(transfer, modeOf(this.config.secretKey)));
  }
}
