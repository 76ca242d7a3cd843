import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import type { z } from 'zod';
import {
  paymentsRpc,
  sessionsRpc,
  adminReleaseInputSchema,
  bookingPaymentViewSchema,
  sessionAccessResponseSchema,
  sessionEndBodySchema,
  sessionEndNotes,
  sessionEndResponseSchema,
  sessionStatusResponseSchema,
  uuidSchema,
  type Actor,
  type BookingPaymentView,
  type SessionAccessResponse,
  type SessionEndResponse,
  type SessionStatusResponse,
  type RpcInput,
  type RpcOutput,
} from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { AppError } from '@tutorhub/platform';
import { ApiOperation, ApiTags, ApiZodResponse, CurrentActor, Forwards, Roles, ZodParam } from '../http';
import { OptionalZodBody } from './optional-body';
import { withOwnerFallback } from './read-your-writes';

type SessionsCall = (typeof sessionsRpc)[keyof typeof sessionsRpc];

/** An admin's optional `{reason}` for a release. */
const releaseBody = adminReleaseInputSchema.omit({ bookingId: true });

/**
 * The video session of a booking (docs/design.md §6; the mobile app calls these exact paths). The
 * sessions service authorises: only the booking's student and tutor get anything, anyone else
 * a 404 `session.not_found`. Start, join and token take no body (any body is ignored).
 */
@ApiTags('sessions')
@Controller('sessions')
@Roles('student', 'tutor')
export class SessionsController {
  constructor(private readonly rpc: RpcClient) {}

  /** Sessions' copy of the booking may be behind its owner's: see read-your-writes.ts. */
  private call<D extends SessionsCall>(def: D, actor: Actor, data: { bookingId: string; notes?: string }): Promise<RpcOutput<D>> {
    return withOwnerFallback(this.rpc, actor, data.bookingId, ['session.not_found'], (owner) =>
      this.rpc.call(def, (owner ? { ...data, owner } : data) as RpcInput<D>, { actor }),
    );
  }

  @Post(':bookingId/start')
  @Forwards(sessionsRpc.start)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start the session (or join it if the other participant already started it)',
    description:
      'From SESSION_START_EARLY_MINUTES before the booking starts until SESSION_START_LATE_MINUTES after, for a confirmed booking; ' +
      'otherwise 409 session.too_early / session.too_late (details: canStartFrom, canStartUntil, serverTime), ' +
      'session.booking_not_confirmed, session.booking_cancelled or session.already_ended.',
  })
  @ApiZodResponse(sessionAccessResponseSchema)
  start(@ZodParam('bookingId', uuidSchema) bookingId: string, @CurrentActor() actor: Actor): Promise<SessionAccessResponse> {
    return this.call(sessionsRpc.start, actor, { bookingId });
  }

  @Post(':bookingId/join')
  @Forwards(sessionsRpc.join)
  @HttpCode(200)
  @ApiOperation({ summary: 'Join the active session: an Agora token for the caller’s own uid (409 session.not_started / session.already_ended)' })
  @ApiZodResponse(sessionAccessResponseSchema)
  join(@ZodParam('bookingId', uuidSchema) bookingId: string, @CurrentActor() actor: Actor): Promise<SessionAccessResponse> {
    return this.call(sessionsRpc.join, actor, { bookingId });
  }

  @Post(':bookingId/token')
  @Forwards(sessionsRpc.token)
  @HttpCode(200)
  @ApiOperation({ summary: 'Renew the caller’s Agora token (expires at the scheduled end plus the overtime grace)' })
  @ApiZodResponse(sessionAccessResponseSchema)
  token(@ZodParam('bookingId', uuidSchema) bookingId: string, @CurrentActor() actor: Actor): Promise<SessionAccessResponse> {
    return this.call(sessionsRpc.token, actor, { bookingId });
  }

  @Post(':bookingId/end')
  @Forwards(sessionsRpc.end)
  @HttpCode(200)
  @ApiOperation({
    summary: 'End the session (ending an ended session answers the first end)',
    description: 'Optional body `{notes}` or, as the original app sends it, `{sessionNotes}`; an empty string means no notes.',
  })
  @ApiZodResponse(sessionEndResponseSchema)
  end(
    @ZodParam('bookingId', uuidSchema) bookingId: string,
    @OptionalZodBody(sessionEndBodySchema) body: { notes?: string; sessionNotes?: string } | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<SessionEndResponse> {
    const notes = sessionEndNotes(body);
    return this.call(sessionsRpc.end, actor, { bookingId, ...(notes ? { notes } : {}) });
  }

  /** The path the existing mobile and admin apps already call. */
  @Post(':bookingId/release-escrow')
  @Forwards(paymentsRpc.studentRelease, paymentsRpc.adminRelease)
  @HttpCode(200)
  @Roles('student', 'admin')
  @ApiOperation({
    summary: 'Release the booking’s escrow now: an admin, or the student of a lesson that took place ("pay the tutor now")',
    description:
      'The student may release once the lesson has ended with the tutor there (escrow `release_scheduled`), with reason `student_approved`; ' +
      'this ends the dispute window. 403 for a tutor; 404 escrow.not_found; 409 escrow.lesson_not_ended, escrow.frozen_by_dispute, ' +
      'escrow.already_settled (student) or escrow.invalid_transition (admin). An admin may give `{reason}`; the student sends no body.',
  })
  @ApiZodResponse(bookingPaymentViewSchema)
  releaseEscrow(
    @ZodParam('bookingId', uuidSchema) bookingId: string,
    @OptionalZodBody(releaseBody) body: z.output<typeof releaseBody> | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<BookingPaymentView> {
    if (actor.role === 'admin') return this.rpc.call(paymentsRpc.adminRelease, { ...body, bookingId }, { actor });
    if (body && Object.keys(body).length > 0) throw new AppError(400, 'validation_failed', 'Send no body to release your lesson’s payment.');
    return this.rpc.call(paymentsRpc.studentRelease, { bookingId }, { actor });
  }

  @Get(':bookingId/status')
  @Forwards(sessionsRpc.status)
  @ApiOperation({ summary: 'Whether the caller can start now, the start window, the session if any, and the server time' })
  @ApiZodResponse(sessionStatusResponseSchema)
  status(@ZodParam('bookingId', uuidSchema) bookingId: string, @CurrentActor() actor: Actor): Promise<SessionStatusResponse> {
    return this.call(sessionsRpc.status, actor, { bookingId });
  }
}
