import { z } from 'zod';
import { cancellationConfigShape, env, sessionWindowConfigShape, sharedConfigShape } from '@tutorhub/platform';

export const configSchema = z
  .object({
    ...sharedConfigShape,
    PORT: env.port(3001),
    /** A lesson must be requested at least this long before it starts (0 allowed). */
    BOOKING_MIN_NOTICE_MINUTES: env.int(60, 0, 60 * 24 * 30),
    /** The tutor must accept by startsAt − this (0 allowed). */
    BOOKING_ACCEPT_DEADLINE_MINUTES: env.int(60, 0, 60 * 24 * 30),
    /**
     * Free minutes kept around each live booking of a tutor: slots leave them out and a request
     * that close to another lesson is 409 booking.slot_taken (0: back-to-back lessons allowed).
     */
    BOOKING_BUFFER_MINUTES: env.int(0, 0, 240),
    ...cancellationConfigShape,
    ...sessionWindowConfigShape,
    /** No reschedule proposal (or answer) closer than this to the lesson's current start. */
    RESCHEDULE_MIN_NOTICE_HOURS: env.decimal(2),
    /** A reschedule proposal not answered within this many hours expires (sooner if the lesson is near). */
    RESCHEDULE_PROPOSAL_TTL_HOURS: env.decimal(24),
    /** How often the expiry job looks for requests not accepted / bookings not paid in time (and stale reschedule proposals). */
    BOOKING_EXPIRY_CRON: env.cron('*/30 * * * * *'),
  })
  .refine((c) => c.CANCEL_PARTIAL_REFUND_HOURS <= c.CANCEL_FULL_REFUND_HOURS, {
    path: ['CANCEL_PARTIAL_REFUND_HOURS'],
    message: 'must not exceed CANCEL_FULL_REFUND_HOURS',
  });

export type BookingsConfig = z.output<typeof configSchema>;
