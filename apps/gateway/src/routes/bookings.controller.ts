import { Controller, Get, Headers, HttpCode, Post } from '@nestjs/common';
import type { z } from 'zod';
import {
  bookingsRpc,
  bookingPageSchema,
  bookingSchema,
  createBookingBody,
  disputeBody,
  disputePageSchema,
  disputeResultSchema,
  listBookingsInput,
  listDisputesInput,
  reasonBody,
  rescheduleBody,
  rescheduleResultSchema,
  resolveDisputeBody,
  reviewBody,
  reviewResultSchema,
  uuidSchema,
  type Actor,
  type Booking,
  type Dispute,
  type DisputeResult,
  type Page,
  type RescheduleResult,
  type ReviewResult,
} from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiOperation, ApiTags, ApiZodResponse, CurrentActor, Roles, ZodBody, ZodParam, ZodQuery, Forwards } from '../http';
import { OptionalZodBody } from './optional-body';

/** `{reason?}`, or no body at all. */
type OptionalReason = z.output<typeof reasonBody> | undefined;

/**
 * Bookings, reviews and disputes (docs/design.md §6), served by the bookings service, which authorises:
 * a booking the caller may not see is a 404 `booking.not_found`; a change the booking's status
 * does not allow is a 409 `booking.invalid_transition`. The role filters here are a first check.
 */
@ApiTags('bookings')
@Controller()
export class BookingsController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('bookings')
  @Forwards(bookingsRpc.create)
  @Roles('student')
  @ApiOperation({
    summary: 'Request a lesson (status "requested"); the price comes from the tutor’s current hourly rate',
    description:
      'startsAt at least BOOKING_MIN_NOTICE_MINUTES ahead (and no later than the accept deadline allows); duration 15–240 minutes in steps of 15. ' +
      '409 booking.slot_taken when the tutor has an overlapping booking (or one closer than BOOKING_BUFFER_MINUTES: details.reason "buffer"), ' +
      'booking.student_overlap when the caller has one; 422 booking.outside_availability when the time is outside the tutor’s weekly hours ' +
      'or inside their time off (a tutor who never set weekly hours is bookable at any time; GET /api/tutors/:id/slots lists bookable starts); ' +
      '422 booking.too_soon, booking.too_far_ahead, booking.subject_not_offered; 404 tutor.not_found.',
  })
  @ApiZodResponse(bookingSchema, { status: 201 })
  create(
    @ZodBody(createBookingBody) body: z.output<typeof createBookingBody>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<Booking> {
    // The key also reaches the service, so a retry after a timeout (not stored by the gateway) finds the booking it made.
    return this.rpc.call(bookingsRpc.create, { ...body, ...(idempotencyKey ? { idempotencyKey } : {}) }, { actor });
  }

  @Get('bookings')
  @Forwards(bookingsRpc.list)
  @ApiOperation({ summary: 'The caller’s bookings (an admin: all), latest lesson first, cursor-paginated' })
  @ApiZodResponse(bookingPageSchema)
  list(@ZodQuery(listBookingsInput) query: z.output<typeof listBookingsInput>, @CurrentActor() actor: Actor): Promise<Page<Booking>> {
    return this.rpc.call(bookingsRpc.list, query, { actor });
  }

  @Get('bookings/:id')
  @Forwards(bookingsRpc.get)
  @ApiOperation({ summary: 'One booking (participants and admins; 404 booking.not_found otherwise)' })
  @ApiZodResponse(bookingSchema)
  get(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<Booking> {
    return this.rpc.call(bookingsRpc.get, { bookingId: id }, { actor });
  }

  @Post('bookings/:id/accept')
  @Forwards(bookingsRpc.accept)
  @HttpCode(200)
  @Roles('tutor')
  @ApiOperation({ summary: 'The booking’s tutor accepts the request, by its accept deadline (409 booking.accept_deadline_passed)' })
  @ApiZodResponse(bookingSchema)
  accept(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<Booking> {
    return this.rpc.call(bookingsRpc.accept, { bookingId: id }, { actor });
  }

  @Post('bookings/:id/decline')
  @Forwards(bookingsRpc.decline)
  @HttpCode(200)
  @Roles('tutor')
  @ApiOperation({ summary: 'The booking’s tutor declines the request' })
  @ApiZodResponse(bookingSchema)
  decline(
    @ZodParam('id', uuidSchema) id: string,
    @OptionalZodBody(reasonBody) body: OptionalReason,
    @CurrentActor() actor: Actor,
  ): Promise<Booking> {
    return this.rpc.call(bookingsRpc.decline, { bookingId: id, ...(body ?? {}) }, { actor });
  }

  @Post('bookings/:id/cancel')
  @Forwards(bookingsRpc.cancel)
  @HttpCode(200)
  @Roles('student', 'tutor', 'admin')
  @ApiOperation({
    summary: 'Cancel a booking that has not started (either participant, or an admin)',
    description:
      '`cancellation.refundBasisPoints` quotes the policy: a student gets 100 % back from CANCEL_FULL_REFUND_HOURS ahead, ' +
      'CANCEL_PARTIAL_REFUND_BPS from CANCEL_PARTIAL_REFUND_HOURS ahead, nothing later, but only for a booking they saw confirmed (paid); ' +
      'a booking still requested or accepted, or cancelled by the tutor or an admin, refunds 100 %. Payments decides the money from the same facts. ' +
      '409 booking.cancel_window_closed from `canStartFrom` on (the session decides then).',
  })
  @ApiZodResponse(bookingSchema)
  cancel(
    @ZodParam('id', uuidSchema) id: string,
    @OptionalZodBody(reasonBody) body: OptionalReason,
    @CurrentActor() actor: Actor,
  ): Promise<Booking> {
    return this.rpc.call(bookingsRpc.cancel, { bookingId: id, ...(body ?? {}) }, { actor });
  }

  @Post('bookings/:id/reschedule')
  @Forwards(bookingsRpc.reschedulePropose)
  @Roles('student', 'tutor')
  @ApiOperation({
    summary: 'Propose a new start for the lesson (either participant; same duration; replaces an open proposal)',
    description:
      'For requested, accepted and confirmed bookings until RESCHEDULE_MIN_NOTICE_HOURS before the current start (409 reschedule.too_late, ' +
      'reschedule.not_allowed). The new time must be bookable: notice and how far ahead as for a new booking (422 booking.too_soon / too_far_ahead), ' +
      'inside the tutor’s availability (422 booking.outside_availability), free (409 booking.slot_taken). The proposal expires unanswered at ' +
      '`expiresAt`. Reschedule never moves money.',
  })
  @ApiZodResponse(rescheduleResultSchema, { status: 201 })
  reschedule(@ZodParam('id', uuidSchema) id: string, @ZodBody(rescheduleBody) body: z.output<typeof rescheduleBody>, @CurrentActor() actor: Actor): Promise<RescheduleResult> {
    return this.rpc.call(bookingsRpc.reschedulePropose, { bookingId: id, ...body }, { actor });
  }

  @Post('bookings/:id/reschedule/accept')
  @Forwards(bookingsRpc.rescheduleAccept)
  @HttpCode(200)
  @Roles('student', 'tutor')
  @ApiOperation({
    summary: 'Accept the other participant’s proposed time: the booking moves',
    description:
      '404 reschedule.not_found; 403 reschedule.not_yours (the proposer cannot accept their own); 409 reschedule.not_open, reschedule.expired, ' +
      'booking.slot_taken (the time was taken meanwhile: the database decides).',
  })
  @ApiZodResponse(rescheduleResultSchema)
  acceptReschedule(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<RescheduleResult> {
    return this.rpc.call(bookingsRpc.rescheduleAccept, { bookingId: id }, { actor });
  }

  @Post('bookings/:id/reschedule/decline')
  @Forwards(bookingsRpc.rescheduleDecline)
  @HttpCode(200)
  @Roles('student', 'tutor')
  @ApiOperation({ summary: 'Decline the other participant’s proposed time: the lesson stays when it was' })
  @ApiZodResponse(rescheduleResultSchema)
  declineReschedule(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<RescheduleResult> {
    return this.rpc.call(bookingsRpc.rescheduleDecline, { bookingId: id }, { actor });
  }

  @Post('bookings/:id/review')
  @Forwards(bookingsRpc.review)
  @Roles('student', 'tutor')
  @ApiOperation({ summary: 'Review a completed lesson (1–5 and a comment), once per participant (409 review.already_submitted)' })
  @ApiZodResponse(reviewResultSchema, { status: 201 })
  review(@ZodParam('id', uuidSchema) id: string, @ZodBody(reviewBody) body: z.output<typeof reviewBody>, @CurrentActor() actor: Actor): Promise<ReviewResult> {
    return this.rpc.call(bookingsRpc.review, { bookingId: id, ...body }, { actor });
  }

  @Post('bookings/:id/dispute')
  @Forwards(bookingsRpc.dispute)
  @Roles('student')
  @ApiOperation({
    summary: 'The student disputes a completed lesson while its payment is still in escrow; the release is frozen until an admin resolves it',
    description: '409 dispute.window_closed once the escrow is released or refunded; dispute.already_open; dispute.already_resolved.',
  })
  @ApiZodResponse(disputeResultSchema, { status: 201 })
  dispute(@ZodParam('id', uuidSchema) id: string, @ZodBody(disputeBody) body: z.output<typeof disputeBody>, @CurrentActor() actor: Actor): Promise<DisputeResult> {
    return this.rpc.call(bookingsRpc.dispute, { bookingId: id, ...body }, { actor });
  }

  @Get('admin/disputes')
  @Forwards(bookingsRpc.disputesList)
  @Roles('admin')
  @ApiTags('admin')
  @ApiOperation({ summary: 'Disputes, newest first, optionally by status; cursor-paginated' })
  @ApiZodResponse(disputePageSchema)
  disputes(@ZodQuery(listDisputesInput) query: z.output<typeof listDisputesInput>, @CurrentActor() actor: Actor): Promise<Page<Dispute>> {
    return this.rpc.call(bookingsRpc.disputesList, query, { actor });
  }

  @Post('admin/disputes/:id/resolve')
  @Forwards(bookingsRpc.disputesResolve)
  @HttpCode(200)
  @Roles('admin')
  @ApiTags('admin')
  @ApiOperation({
    summary: 'Resolve an open dispute: release to the tutor, refund the student, or split (refundBasisPoints 1–9999 = the student’s share)',
  })
  @ApiZodResponse(disputeResultSchema)
  resolve(
    @ZodParam('id', uuidSchema) id: string,
    @ZodBody(resolveDisputeBody) body: z.output<typeof resolveDisputeBody>,
    @CurrentActor() actor: Actor,
  ): Promise<DisputeResult> {
    return this.rpc.call(bookingsRpc.disputesResolve, { disputeId: id, ...body }, { actor });
  }
}
