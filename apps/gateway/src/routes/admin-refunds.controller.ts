import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import {
  paymentsRpc,
  adminPaymentRefundInputSchema,
  adminPaymentRefundResultSchema,
  adminRefundListSchema,
  adminRefundRetryInputSchema,
  adminRefundsListInputSchema,
  adminRefundViewSchema,
  uuidSchema,
  type Actor,
  type AdminPaymentRefundResult,
  type AdminRefundList,
  type AdminRefundView,
} from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiOperation, ApiTags, ApiZodResponse, CurrentActor, Roles, ZodParam, ZodQuery, Forwards } from '../http';
import { OptionalZodBody } from './optional-body';

/** Query strings may carry unrelated keys (cache busters): strip rather than refuse them. */
const refundsQuery = z.object(adminRefundsListInputSchema.shape);
/** `{reason?}` or no body. */
const retryBody = adminRefundRetryInputSchema.omit({ refundId: true });
const paymentRefundBody = adminPaymentRefundInputSchema.omit({ paymentId: true });

/** Refunds that need an operator, and money that has no other way back (issue 13; docs/adr/0007). */
@ApiTags('admin')
@Controller()
@Roles('admin')
export class AdminRefundsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('admin/refunds')
  @Forwards(paymentsRpc.adminRefundsList)
  @ApiOperation({
    summary: 'Refunds by status, newest first (default: the ones needing attention)',
    description:
      '`status=attention` (the default) lists `failed` refunds (Chapa refused them 12 times) and `needs_review` ones (Chapa reported ' +
      'another amount, currency or refund than asked: nothing was booked, `chapaAmount` says what Chapa reported). Paged with `cursor`.',
  })
  @ApiZodResponse(adminRefundListSchema)
  list(@ZodQuery(refundsQuery) query: z.output<typeof refundsQuery>, @CurrentActor() actor: Actor): Promise<AdminRefundList> {
    return this.rpc.call(paymentsRpc.adminRefundsList, query, { actor });
  }

  @Post('admin/refunds/:refundId/retry')
  @Forwards(paymentsRpc.adminRefundRetry)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put a failed or needs_review refund back to the refund processor (audited)',
    description:
      'A `failed` refund is submitted to Chapa again under its unique reference (never twice: a copy Chapa already has is verified ' +
      'instead); a `needs_review` one is only verified again. 404 refund.not_found; 409 refund.not_retryable (any other status).',
  })
  @ApiZodResponse(adminRefundViewSchema)
  retry(
    @ZodParam('refundId', uuidSchema) refundId: string,
    @OptionalZodBody(retryBody) body: z.output<typeof retryBody> | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<AdminRefundView> {
    return this.rpc.call(paymentsRpc.adminRefundRetry, { ...body, refundId }, { actor });
  }

  @Post('admin/payments/:paymentId/refund')
  @Forwards(paymentsRpc.adminPaymentRefund)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Refund a flagged payment (amount or currency mismatch at verify) from suspense, through Chapa (audited)',
    description:
      'What Chapa received for the payment is held in suspense; this refunds all of it to the payer and the payment becomes ' +
      '`refunded`. 404 payment.not_found; 409 payment.not_refundable (not flagged, or already refunded), payment.nothing_received; ' +
      '503 chapa.unavailable.',
  })
  @ApiZodResponse(adminPaymentRefundResultSchema)
  refundPayment(
    @ZodParam('paymentId', uuidSchema) paymentId: string,
    @OptionalZodBody(paymentRefundBody) body: z.output<typeof paymentRefundBody> | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<AdminPaymentRefundResult> {
    return this.rpc.call(paymentsRpc.adminPaymentRefund, { ...body, paymentId }, { actor, timeoutMs: 40000 });
  }
}
