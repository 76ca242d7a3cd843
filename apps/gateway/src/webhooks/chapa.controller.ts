import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { paymentsRpc, type ChapaCallbackInput, type ChapaWebhookInput } from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags, Public, findUnstorableText, validationProblem, Forwards } from '../http';

const SIGNATURE_HEADERS = ['x-chapa-signature', 'chapa-signature'] as const;

const ANY_JSON = { description: 'Whatever the payments service answers.', content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } };

/**
 * Chapa's side of a payment. The gateway does not interpret either request: it forwards them
 * to payments, which verifies signatures (over the exact bytes received, hence the raw body)
 * and re-queries Chapa before believing anything. Answers are quick: payments acknowledges
 * unknown payments with 200 so that Chapa stops retrying; a bad signature comes back as 401.
 */
@ApiTags('payments')
@Controller()
export class ChapaController {
  constructor(private readonly rpc: RpcClient) {}

  @Public()
  @Post('webhooks/chapa')
  @Forwards(paymentsRpc.chapaWebhook)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Chapa webhook (signed)',
    description:
      '`x-chapa-signature` is the hex HMAC-SHA256 of the raw body with the webhook secret. The body is forwarded byte for byte. ' +
      '200 when accepted (also for unknown payments); 401 `chapa.bad_signature`; 503 when Chapa could not be reached to verify (Chapa retries).',
  })
  @ApiHeader({ name: 'x-chapa-signature', required: false, description: 'HMAC-SHA256 (hex) of the raw body.' })
  @ApiHeader({ name: 'chapa-signature', required: false, description: 'Legacy signature header.' })
  @ApiBody({ description: 'The Chapa event, exactly as signed.', schema: { type: 'object', additionalProperties: true } })
  @ApiResponse({ status: 200, ...ANY_JSON })
  async webhook(@Req() req: Request): Promise<unknown> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const headers: ChapaWebhookInput['headers'] = {};
    for (const name of SIGNATURE_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    refuseUnstorableBody(raw);
    const input: ChapaWebhookInput = { rawBody: raw.toString('base64'), headers };
    return (await this.rpc.call(paymentsRpc.chapaWebhook, input, { actor: null })) ?? { received: true };
  }

  @Public()
  @Get('payments/chapa/callback')
  @Forwards(paymentsRpc.chapaCallback)
  @ApiOperation({
    summary: 'Chapa callback / buyer return',
    description: 'Chapa calls `callback_url` with `trx_ref` (or `tx_ref`) and `status`; the query is forwarded as is. Payments re-verifies with Chapa.',
  })
  @ApiQuery({ name: 'trx_ref', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'tx_ref', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'status', required: false, schema: { type: 'string' } })
  @ApiResponse({ status: 200, ...ANY_JSON })
  async callback(@Req() req: Request): Promise<unknown> {
    const query: ChapaCallbackInput['query'] = {};
    for (const [k, v] of Object.entries(req.query)) {
      if (typeof v === 'string') query[k] = v;
      else if (Array.isArray(v)) query[k] = v.filter((x): x is string => typeof x === 'string');
    }
    // Anyone may call this URL: text Postgres cannot store (`?tx_ref=TH-%00x`) is refused here.
    const unstorable = findUnstorableText(query, ['query']);
    if (unstorable.length > 0) throw validationProblem(unstorable);
    return (await this.rpc.call(paymentsRpc.chapaCallback, { query }, { actor: null })) ?? { received: true };
  }
}

/**
 * A webhook whose JSON carries a NUL character or a lone surrogate is no Chapa event: refused
 * (400) before it reaches payments, which would fail to store it. The bytes stay untouched
 * otherwise, since the signature covers them.
 */
function refuseUnstorableBody(raw: Buffer): void {
  if (raw.includes(0)) throw validationProblem([{ path: '', message: 'The body contains a NUL byte.' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return; // not JSON: payments refuses it after checking the signature
  }
  const unstorable = findUnstorableText(parsed);
  if (unstorable.length > 0) throw validationProblem(unstorable);
}
