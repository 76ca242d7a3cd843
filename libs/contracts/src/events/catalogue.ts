import { z } from 'zod';
import { isoDateTime, moneySchema, roleSchema, uuidSchema } from '../common';
import { defineEvent } from './define';

const bookingParties = {
  bookingId: uuidSchema,
  studentId: uuidSchema,
  tutorId: uuidSchema,
};
const bookingSlot = {
  subject: z.string().min(1).max(100),
  startsAt: isoDateTime,
  endsAt: isoDateTime,
};
export const absentPartySchema = z.enum(['student', 'tutor', 'both']);
export const disputeOutcomeSchema = z.enum(['release', 'refund', 'split']);
export const BOOKING_STATUSES = [
  'requested',
  'accepted',
  'confirmed',
  'in_progress',
  'completed',
  'declined',
  'expired',
  'cancelled',
  'no_show',
  'disputed',
] as const;
export const bookingStatusSchema = z.enum(BOOKING_STATUSES);

// ---- identity (owned by the gateway) ----
export const UserRegisteredV1 = defineEvent(
  'identity.user.registered.v1',
  z.object({ userId: uuidSchema, role: roleSchema, email: z.email(), fullName: z.string().min(1).max(200) }),
  'A user account was created.',
);

// ---- bookings ----
export const BookingRequestedV1 = defineEvent(
  'bookings.booking.requested.v1',
  z.object({ ...bookingParties, ...bookingSlot, price: moneySchema, note: z.string().max(1000).nullable().optional() }),
  'A student asked a tutor for a lesson; the tutor must accept before the deadline.',
);
export const BookingAcceptedV1 = defineEvent(
  'bookings.booking.accepted.v1',
  z.object({ ...bookingParties, ...bookingSlot, price: moneySchema, slotSequence: z.number().int().min(0).optional() }),
  'The tutor accepted; the student may now pay, by startsAt at the latest.',
);
export const BookingDeclinedV1 = defineEvent(
  'bookings.booking.declined.v1',
  z.object({ ...bookingParties, reason: z.string().max(1000).nullable() }),
  'The tutor declined the request.',
);
export const BookingExpiredV1 = defineEvent(
  'bookings.booking.expired.v1',
  z.object({
    ...bookingParties,
    reason: z.enum(['not_accepted', 'not_paid']),
    previousStatus: bookingStatusSchema,
  }),
  'A request was not accepted, or an accepted booking not paid, in time.',
);
export const BookingCancelledV1 = defineEvent(
  'bookings.booking.cancelled.v1',
  z.object({
    ...bookingParties,
    cancelledBy: uuidSchema,
    cancelledByRole: roleSchema,
    reason: z.string().max(1000).nullable(),
    /** Bookings' quote of the student's share, for display; payments decides the money from the facts below. */
    refundBasisPoints: z.number().int().min(0).max(10000),
    /** The status the booking had when it was cancelled (`confirmed`: the student had seen it paid). */
    previousStatus: bookingStatusSchema,
    startsAt: isoDateTime,
    /** When it was cancelled (added in place of the envelope's occurredAt; absent from older producers). */
    cancelledAt: isoDateTime.optional(),
    /**
     * `request`: a participant or an admin asked to cancel. `session`: a participant ended the
     * video session before the other joined while the start window was open (docs/design.md §4); the
     * session's own `session.ended` carries the facts, and payments decides the money from it.
     */
    via: z.enum(['request', 'session']).optional(),
  }),
  'A participant (or an admin) cancelled; payments refunds by the policy from the facts carried here.',
);
/**
 * How many times the booking was rescheduled when the event was written: a consumer keeps the
 * slot of the highest sequence it has seen, so a late event never moves a lesson back in time.
 * Absent from older producers (= 0).
 */
const slotSequence = { slotSequence: z.number().int().min(0).optional() };
export const BookingConfirmedV1 = defineEvent(
  'bookings.booking.confirmed.v1',
  z.object({ ...bookingParties, ...bookingSlot, ...slotSequence }),
  'The payment is held in escrow; the lesson will take place.',
);
export const BookingCompletedV1 = defineEvent(
  'bookings.booking.completed.v1',
  z.object({ ...bookingParties }),
  'The lesson took place; both parties may now review it.',
);
export const BookingNoShowV1 = defineEvent(
  'bookings.booking.no_show.v1',
  z.object({ ...bookingParties, absentParty: absentPartySchema }),
  'One or both parties did not attend.',
);
export const BookingRescheduledV1 = defineEvent(
  'bookings.booking.rescheduled.v1',
  z.object({
    ...bookingParties,
    subject: z.string().min(1).max(100),
    previousStartsAt: isoDateTime,
    previousEndsAt: isoDateTime,
    startsAt: isoDateTime,
    endsAt: isoDateTime,
    /** The participant who proposed the new time (the other accepted it). */
    rescheduledBy: uuidSchema,
    /** The booking's status when it moved (requested, accepted or confirmed). */
    status: bookingStatusSchema,
    /** 1 for the first reschedule of the booking, then 2, …: the newest slot wins. */
    slotSequence: z.number().int().min(1),
  }),
  'Both participants agreed on a new time; the duration and the price stay, and no money moves.',
);
const rescheduleProposal = {
  proposalId: uuidSchema,
  ...bookingParties,
  proposedBy: uuidSchema,
  startsAt: isoDateTime,
  endsAt: isoDateTime,
};
export const RescheduleProposedV1 = defineEvent(
  'bookings.reschedule.proposed.v1',
  z.object({ ...rescheduleProposal, currentStartsAt: isoDateTime, expiresAt: isoDateTime }),
  'A participant proposed a new time; the other may accept or decline it until expiresAt.',
);
export const RescheduleDeclinedV1 = defineEvent(
  'bookings.reschedule.declined.v1',
  z.object({ ...rescheduleProposal, declinedBy: uuidSchema }),
  'The other participant declined a proposed new time; the lesson stays when it was.',
);
export const RescheduleExpiredV1 = defineEvent(
  'bookings.reschedule.expired.v1',
  z.object(rescheduleProposal),
  'A proposed new time was not answered in time; the lesson stays when it was.',
);
export const DisputeOpenedV1 = defineEvent(
  'bookings.dispute.opened.v1',
  z.object({ disputeId: uuidSchema, ...bookingParties, reason: z.string().max(2000) }),
  'The student disputed the lesson; the escrow release is frozen until an admin resolves it.',
);
export const DisputeResolvedV1 = defineEvent(
  'bookings.dispute.resolved.v1',
  z.object({
    disputeId: uuidSchema,
    ...bookingParties,
    outcome: disputeOutcomeSchema,
    refundBasisPoints: z.number().int().min(0).max(10000),
    resolvedBy: uuidSchema,
  }),
  'An admin resolved a dispute: release to the tutor, refund the student, or split.',
);
export const ReviewSubmittedV1 = defineEvent(
  'bookings.review.submitted.v1',
  z.object({
    reviewId: uuidSchema,
    ...bookingParties,
    authorId: uuidSchema,
    revieweeId: uuidSchema,
    rating: z.number().int().min(1).max(5),
  }),
  'A participant reviewed a completed lesson.',
);

// ---- payments ----
const paymentData = z.object({
  paymentId: uuidSchema,
  bookingId: uuidSchema,
  studentId: uuidSchema,
  tutorId: uuidSchema,
  txRef: z.string().min(1).max(100),
  amount: moneySchema,
});
export const PaymentInitiatedV1 = defineEvent(
  'payments.payment.initiated.v1',
  paymentData,
  'A Chapa checkout was opened for a booking.',
);
export const PaymentSucceededV1 = defineEvent(
  'payments.payment.succeeded.v1',
  paymentData,
  'Chapa confirmed the payment (verified by a verify call).',
);
export const PaymentFailedV1 = defineEvent(
  'payments.payment.failed.v1',
  paymentData.extend({ reason: z.string().max(500).nullable() }),
  'The payment failed or was abandoned.',
);
const escrowBase = {
  escrowId: uuidSchema,
  bookingId: uuidSchema,
  studentId: uuidSchema,
  tutorId: uuidSchema,
};
export const EscrowHeldV1 = defineEvent(
  'payments.escrow.held.v1',
  z.object({ ...escrowBase, amount: moneySchema }),
  'The verified payment is held in escrow for the booking.',
);
export const EscrowReleaseScheduledV1 = defineEvent(
  'payments.escrow.release_scheduled.v1',
  z.object({ ...escrowBase, amount: moneySchema, releaseAt: isoDateTime }),
  'The lesson ended; the escrow goes to the tutor at releaseAt unless disputed.',
);
export const EscrowReleasedV1 = defineEvent(
  'payments.escrow.released.v1',
  z.object({ ...escrowBase, tutorAmount: moneySchema, platformFee: moneySchema }),
  "The escrow (or the non-refunded part of it) was paid into the tutor's wallet, less the platform fee.",
);
export const EscrowRefundedV1 = defineEvent(
  'payments.escrow.refunded.v1',
  z.object({ ...escrowBase, refundAmount: moneySchema, reason: z.string().max(500) }),
  'The escrow (or part of it) is being refunded to the student through Chapa.',
);
export const EscrowFrozenV1 = defineEvent(
  'payments.escrow.frozen.v1',
  z.object({ ...escrowBase, disputeId: uuidSchema, amount: moneySchema }),
  'A dispute froze the escrow in time: nothing moves until an admin resolves the dispute.',
);
export const EscrowFreezeRejectedV1 = defineEvent(
  'payments.escrow.freeze_rejected.v1',
  z.object({
    escrowId: uuidSchema.nullable(),
    bookingId: uuidSchema,
    studentId: uuidSchema,
    tutorId: uuidSchema,
    disputeId: uuidSchema,
    /** What the escrow already was when the dispute reached it. */
    escrowStatus: z.enum(['released', 'refunded', 'none']),
    reason: z.enum(['already_released', 'already_refunded', 'no_escrow']),
  }),
  'A dispute reached the escrow after its money had left it (the release won the race): the dispute is closed with that outcome.',
);
const payoutData = z.object({ payoutId: uuidSchema, tutorId: uuidSchema, amount: moneySchema });
export const PayoutRequestedV1 = defineEvent(
  'payments.payout.requested.v1',
  payoutData,
  'A tutor asked to withdraw wallet money.',
);
export const PayoutSucceededV1 = defineEvent(
  'payments.payout.succeeded.v1',
  payoutData,
  "Chapa confirmed the transfer to the tutor's bank.",
);
export const PayoutFailedV1 = defineEvent(
  'payments.payout.failed.v1',
  payoutData.extend({ reason: z.string().max(500).nullable() }),
  'The transfer failed; the money is back in the wallet.',
);
export const PayoutReversedV1 = defineEvent(
  'payments.payout.reversed.v1',
  payoutData.extend({ reason: z.string().max(500) }),
  "A transfer that had succeeded was returned by the bank (Chapa's transfer.reversed, verified); the money is back in the wallet.",
);

// ---- sessions ----
export const attendanceSchema = z.object({
  studentJoinedAt: isoDateTime.nullable(),
  tutorJoinedAt: isoDateTime.nullable(),
});
export const SessionStartedV1 = defineEvent(
  'sessions.session.started.v1',
  z.object({
    sessionId: uuidSchema,
    ...bookingParties,
    startedBy: uuidSchema,
    channelName: z.string().min(1).max(63),
    startedAt: isoDateTime,
  }),
  'A participant started the video session.',
);
export const SessionParticipantJoinedV1 = defineEvent(
  'sessions.session.participant_joined.v1',
  z.object({
    sessionId: uuidSchema,
    ...bookingParties,
    userId: uuidSchema,
    role: z.enum(['student', 'tutor']),
    joinedAt: isoDateTime,
  }),
  'A participant joined the video session for the first time.',
);
export const SessionEndedV1 = defineEvent(
  'sessions.session.ended.v1',
  z.object({
    sessionId: uuidSchema,
    ...bookingParties,
    endedBy: z.union([uuidSchema, z.literal('system')]),
    startedAt: isoDateTime,
    endedAt: isoDateTime,
    durationSeconds: z.number().int().min(0),
    scheduledDurationSeconds: z.number().int().min(0),
    attendance: attendanceSchema,
    /** Who never joined; null when both joined, or when the session was abandoned (below). */
    absentParty: absentPartySchema.nullable(),
    /**
     * docs/design.md §4: the participant who ended the session before the other joined, while the start
     * window was still open. The other party is not absent: the one who ended it has cancelled
     * (a tutor: full refund; a student: a late cancellation).
     */
    abandonedBy: z.enum(['student', 'tutor']).nullable().optional(),
    /** The booking's scheduled start, so a consumer can apply the cancellation tiers to an abandonment. */
    scheduledStartsAt: isoDateTime.optional(),
  }),
  'The session ended (by a participant, or by the system after the overtime grace).',
);
export const SessionMissedV1 = defineEvent(
  'sessions.session.missed.v1',
  z.object({ ...bookingParties, absentParty: absentPartySchema }),
  'Nobody started the session within the start window.',
);

// ---- notifications ----
/**
 * Deprecated (ADR 0018): no longer published. The gateway's live stream is fed by the transient
 * live feed (live/notifications-live.ts), whose items carry this same shape plus `seq`. The
 * gateway still streams it if an older notifications replica publishes it during a rollout.
 */
export const NotificationCreatedV1 = defineEvent(
  'notifications.notification.created.v1',
  z.object({
    notificationId: uuidSchema,
    userId: uuidSchema,
    kind: z.string().min(1).max(100),
    title: z.string().max(200),
    body: z.string().max(2000),
    data: z.record(z.string(), z.unknown()),
    createdAt: isoDateTime,
  }),
  "Deprecated, no longer published (ADR 0018): a notification landed in a user's inbox. The live stream is fed by the transient exchange tutorhub.live instead; gateways still accept this during a rollout.",
);

export const EVENT_CATALOGUE = [
  UserRegisteredV1,
  BookingRequestedV1,
  BookingAcceptedV1,
  BookingDeclinedV1,
  BookingExpiredV1,
  BookingCancelledV1,
  BookingConfirmedV1,
  BookingCompletedV1,
  BookingNoShowV1,
  BookingRescheduledV1,
  RescheduleProposedV1,
  RescheduleDeclinedV1,
  RescheduleExpiredV1,
  DisputeOpenedV1,
  DisputeResolvedV1,
  ReviewSubmittedV1,
  PaymentInitiatedV1,
  PaymentSucceededV1,
  PaymentFailedV1,
  EscrowHeldV1,
  EscrowReleaseScheduledV1,
  EscrowReleasedV1,
  EscrowRefundedV1,
  EscrowFrozenV1,
  EscrowFreezeRejectedV1,
  PayoutRequestedV1,
  PayoutSucceededV1,
  PayoutFailedV1,
  PayoutReversedV1,
  SessionStartedV1,
  SessionParticipantJoinedV1,
  SessionEndedV1,
  SessionMissedV1,
  NotificationCreatedV1,
] as const;

type Catalogue = (typeof EVENT_CATALOGUE)[number];
export type EventType = Catalogue['type'];
export type EventDataOf<K extends EventType> = z.output<Extract<Catalogue, { type: K }>['schema']>;

const byType = new Map<string, Catalogue>(EVENT_CATALOGUE.map((d) => [d.type, d]));
export function eventDefinition(type: string): Catalogue | undefined {
  return byType.get(type);
}
