import { Controller, Get, Post } from '@nestjs/common';
import {
  paymentsRpc,
  bookingPaymentViewSchema,
  initiatePaymentResultSchema,
  uuidSchema,
  type Actor,
  type BookingPaymentView,
  type InitiatePaymentResult,
} from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiOperation, ApiTags, ApiZodResponse, CurrentActor, Roles, ZodParam, Forwards } from '../http';
import { withOwnerFallback } from './read-your-writes';

/**
 * Paying for a booking (docs/design.md §5, §6). The payments service authorises: only the booking's
 * student may pay, its participants and admins may look; anyone else gets 404 `booking.not_found`.
 * The Chapa webhook and callback live in `webhooks/chapa.controller.ts`.
 */
@ApiTags('payments')
@Controller('bookings')
export class PaymentsController {
  constructor(private readonly rpc: RpcClient) {}

  @Post(':id/payment')
  @Forwards(paymentsRpc.initiate)
  @Roles('student')
  @ApiOperation({
    summary: 'Open (or return the open) Chapa checkout for an accepted booking',
    description:
      'One live payment per booking: calling again returns the same `checkoutUrl` (a concurrent double tap too). ' +
      'Send the student to `checkoutUrl`; the escrow is held once Chapa confirms the payment and a verify call agrees. ' +
      '409 booking.not_payable (not accepted any more), booking.payment_window_closed (the lesson has started); ' +
      '503 chapa.unavailable when Chapa could not open a checkout.',
  })
  @ApiZodResponse(initiatePaymentResultSchema, { status: 201 })
  initiate(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<InitiatePaymentResult> {
    return withOwnerFallback(this.rpc, actor, id, ['booking.not_found'], (owner) =>
      this.rpc.call(paymentsRpc.initiate, { bookingId: id, ...(owner ? { owner } : {}) }, { actor, timeoutMs: 40000 }),
    );
  }

  @Get(':id/payment')
  @Forwards(paymentsRpc.bookingPaymentGet)
  @ApiOperation({
    summary: 'The booking’s payment and escrow',
    description: '`payment` is the live (or latest) payment, `escrow` its hold: status, when it was held, when it is released, how it was settled.',
  })
  @ApiZodResponse(bookingPaymentViewSchema)
  get(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<BookingPaymentView> {
    return withOwnerFallback(this.rpc, actor, id, ['booking.not_found'], (owner) =>
      this.rpc.call(paymentsRpc.bookingPaymentGet, { bookingId: id, ...(owner ? { owner } : {}) }, { actor }),
    );
  }
}
