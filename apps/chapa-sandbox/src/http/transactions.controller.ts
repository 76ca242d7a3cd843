import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import type { SandboxConfig } from '../config';
import { isSandboxCurrency, parseAmount } from '../domain/sandbox-money';
import { SandboxStore } from '../domain/sandbox-store';
import { SANDBOX_CONFIG } from '../sandbox.tokens';
import { ChapaAuthGuard } from './chapa-auth.guard';
import { ChapaHttpError, chapaSuccess, publicBase, refusal } from './chapa-envelope';
import { modeOf, verifyData } from './chapa-views';
import { asBody, EMAIL, FieldErrors, isHttpUrl, objectField, required, text } from './requests';

const TX_REF = /^[A-Za-z0-9._-]{1,50}$/;
const PHONE = /^0[79]\d{8}$/;
// Chapa refuses other characters in customization[description], and titles over 16 characters.
const DESCRIPTION = /^[A-Za-z0-9._\- ]*$/;

@Controller('v1/transaction')
@UseGuards(ChapaAuthGuard)
export class TransactionsController {
  constructor(
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
    private readonly store: SandboxStore,
  ) {}

  @Post('initialize')
  @HttpCode(200)
  initialize(@Body() raw: unknown, @Req() req: Request) {
    const body = asBody(raw);
    const errors = new FieldErrors();

    const amountText = required(body, 'amount', errors);
    let amountMinor = 0;
    if (amountText !== null) {
      const amount = parseAmount(body['amount']);
      if (amount.ok) amountMinor = amount.minor;
      else errors.add('amount', amount.error);
    }
    const currency = required(body, 'currency', errors)?.toUpperCase() ?? null;
    const txRef = required(body, 'tx_ref', errors);
    if (txRef !== null && !TX_REF.test(txRef)) {
      errors.add('tx_ref', 'The tx ref may only contain letters, numbers, dashes, underscores and dots, at most 50.');
    }
    const email = text(body, 'email', errors);
    if (email !== null && !EMAIL.test(email)) errors.add('email', 'The email must be a valid email address.');
    const phoneNumber = text(body, 'phone_number', errors);
    if (phoneNumber !== null && !PHONE.test(phoneNumber)) {
      errors.add('phone_number', 'The phone number must be 10 digits starting with 09 or 07.');
    }
    const callbackUrl = text(body, 'callback_url', errors);
    if (callbackUrl !== null && !isHttpUrl(callbackUrl)) errors.add('callback_url', 'The callback url must be a valid URL.');
    const returnUrl = text(body, 'return_url', errors);
    if (returnUrl !== null && !isHttpUrl(returnUrl)) errors.add('return_url', 'The return url must be a valid URL.');

    const custom = objectField(body, 'customization', errors) ?? {};
    const title = typeof custom['title'] === 'string' && custom['title'].trim() !== '' ? custom['title'].trim() : null;
    const description =
      typeof custom['description'] === 'string' && custom['description'].trim() !== '' ? custom['description'].trim() : null;
    const logo = typeof custom['logo'] === 'string' && custom['logo'].trim() !== '' ? custom['logo'].trim() : null;
    if (title !== null && title.length > 16) {
      errors.add('customization.title', 'The customization.title must not be greater than 16 characters.');
    }
    if (description !== null && !DESCRIPTION.test(description)) {
      errors.add(
        'customization.description',
        'The customization.description may only contain letters, numbers, hyphens, underscores, spaces, and dots.',
      );
    }
    if (logo !== null && !isHttpUrl(logo)) errors.add('customization.logo', 'The customization.logo must be a valid URL.');
    const meta = objectField(body, 'meta', errors);
    errors.throwIfAny();

    if (!isSandboxCurrency(currency)) throw new ChapaHttpError(400, `Invalid currency, ${currency} is not supported`);

    try {
      const tx = this.store.initialize({
        txRef: txRef as string,
        amountMinor,
        currency,
        email,
        firstName: text(body, 'first_name', errors),
        lastName: text(body, 'last_name', errors),
        phoneNumber,
        callbackUrl,
        returnUrl,
        customization: { title, description, logo },
        meta,
      });
      return chapaSuccess('Hosted Link', {
        checkout_url: `${publicBase(this.config, req)}/checkout/${encodeURIComponent(tx.txRef)}`,
      });
    } catch (err) {
      refusal(err);
    }
  }

  @Get('verify/:txRef')
  verify(@Param('txRef') txRef: string) {
    const tx = this.store.findTransaction(txRef);
    if (!tx || tx.txRef !== txRef) throw new ChapaHttpError(404, 'Invalid transaction or Transaction not found');
    // Chapa's answer for a transaction nobody has paid: 404, no data, and a literal "null"
    // status (observed in real answers; its docs print it the same way).
    if (tx.status === 'pending') throw new ChapaHttpError(404, 'Payment not paid yet', 'null');
    return chapaSuccess('Payment details', verifyData(tx, modeOf(this.config.secretKey)));
  }
}
