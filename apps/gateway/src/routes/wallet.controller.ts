import { Controller, Get, Headers, Post } from '@nestjs/common';
import { z } from 'zod';
import {
  paymentsRpc,
  payoutViewSchema,
  walletGetInputSchema,
  walletViewSchema,
  walletWithdrawInputSchema,
  type Actor,
  type PayoutView,
  type WalletView,
} from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiOperation, ApiTags, ApiZodResponse, CurrentActor, Roles, ZodBody, ZodQuery, Forwards } from '../http';

/** Query strings may carry unrelated keys (cache busters): strip rather than refuse them. */
const walletQuery = z.object(walletGetInputSchema.shape);
/** The Idempotency-Key travels as a header, not in the body. */
const withdrawBody = walletWithdrawInputSchema.omit({ idempotencyKey: true });

/** The tutor's wallet (docs/design.md §5, §6), derived by the payments service from its ledger. */
@ApiTags('wallet')
@Controller('wallet')
@Roles('tutor')
export class WalletController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Forwards(paymentsRpc.walletGet)
  @ApiOperation({
    summary: 'Balances and history of the caller’s wallet',
    description:
      '`available` can be withdrawn; `pendingEscrow` is held for lessons not yet released; `lifetimeEarnings` is everything released ' +
      'to the tutor (after the platform fee). Top-level amounts are in `currency` (default: the most recently active one, else ETB); ' +
      '`balances` lists every currency. `history` is newest first, paged with `cursor`.',
  })
  @ApiZodResponse(walletViewSchema)
  get(@ZodQuery(walletQuery) query: z.output<typeof walletQuery>, @CurrentActor() actor: Actor): Promise<WalletView> {
    return this.rpc.call(paymentsRpc.walletGet, query, { actor });
  }

  @Post('withdrawals')
  @Forwards(paymentsRpc.walletWithdraw)
  @ApiOperation({
    summary: 'Withdraw wallet money to a bank account (Chapa transfer)',
    description:
      '`bankCode` is a bank id from Chapa’s bank list. The amount leaves the wallet at once; a failed transfer returns it. ' +
      '422 wallet.insufficient_funds, payout.currency_unsupported (Chapa transfers ETB only). With `Idempotency-Key`, a retry returns the same payout.',
  })
  @ApiZodResponse(payoutViewSchema, { status: 201 })
  withdraw(
    @ZodBody(withdrawBody) body: z.output<typeof withdrawBody>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<PayoutView> {
    // The key also reaches the service: a retry after a timeout (not stored by the gateway) finds the payout it made.
    const key = idempotencyKey && idempotencyKey.length <= 200 ? { idempotencyKey } : {};
    return this.rpc.call(paymentsRpc.walletWithdraw, { ...body, ...key }, { actor, timeoutMs: 40000 });
  }
}
