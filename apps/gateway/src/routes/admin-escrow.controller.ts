import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import {
  paymentsRpc,
  adminRefundInputSchema,
  adminReleaseInputSchema,
  bookingPaymentViewSchema,
  escrowStatsSchema,
  uuidSchema,
  type Actor,
  type BookingPaymentView,
  type EscrowStats,
} from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiOperation, ApiTags, ApiZodResponse, CurrentActor, Roles, ZodParam, Forwards } from '../http';
import { OptionalZodBody } from './optional-body';

/** `{reason?}` or no body. */
const releaseBody = adminReleaseInputSchema.omit({ bookingId: true });
/** `{refundBasisPoints?, reason?}` or no body (everything refunded). */
const refundBody = adminRefundInputSchema.omit({ bookingId: true });

const SETTLE_ERRORS = '404 escrow.not_found (no verified payment); 409 escrow.invalid_transition (already released or refunded).';

/** Operators' view of escrow and their manual release / refund (docs/design.md §5, §6). */
@ApiTags('admin')
@Controller()
@Roles('admin')
export class AdminEscrowController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('admin/escrow/stats')
  @Forwards(paymentsRpc.adminEscrowStats)
  @ApiOperation({
    summary: 'Escrows by status, and what is due for release now',
    description: 'Each of held, releaseScheduled, frozen, released, refunded and dueNow is `{count, amountMinor}` per currency (ETB and USD).',
  })
  @ApiZodResponse(escrowStatsSchema)
  stats(@CurrentActor() actor: Actor): Promise<EscrowStats> {
    return this.rpc.call(paymentsRpc.adminEscrowStats, {}, { actor });
  }

  @Post('admin/escrows/:bookingId/release')
  @Forwards(paymentsRpc.adminRelease)
  @HttpCode(200)
  @ApiOperation({ summary: 'Release the escrow to the tutor now (less the platform fee)', description: SETTLE_ERRORS })
  @ApiZodResponse(bookingPaymentViewSchema)
  release(
    @ZodParam('bookingId', uuidSchema) bookingId: string,
    @OptionalZodBody(releaseBody) body: z.output<typeof releaseBody> | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<BookingPaymentView> {
    return this.rpc.call(paymentsRpc.adminRelease, { ...body, bookingId }, { actor });
  }

  @Post('admin/escrows/:bookingId/refund')
  @Forwards(paymentsRpc.adminRefund)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Refund the escrow to the student through Chapa (all of it, or `refundBasisPoints` of it)',
    description: `What is not refunded is released to the tutor less the fee. ${SETTLE_ERRORS}`,
  })
  @ApiZodResponse(bookingPaymentViewSchema)
  refund(
    @ZodParam('bookingId', uuidSchema) bookingId: string,
    @OptionalZodBody(refundBody) body: z.output<typeof refundBody> | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<BookingPaymentView> {
    return this.rpc.call(paymentsRpc.adminRefund, { ...body, bookingId }, { actor });
  }

}
