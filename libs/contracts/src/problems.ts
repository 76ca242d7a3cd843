import { BOOKINGS_RPC } from './rpc/bookings';
import { NOTIFICATIONS_RPC } from './rpc/notifications';
import { PAYMENTS_RPC } from './rpc/payments';
import { SESSIONS_RPC } from './rpc/sessions';

/**
 * The catalogue of the problems the services answer, by stable `code`, with the HTTP status each
 * is answered with. The gateway's OpenAPI document lists, on each route, the problems of the
 * RPC pattern that route forwards to (RPC_PROBLEMS), so a client generator and a reader see
 * every status and code a route can answer.
 *
 * It is kept honest against the code that throws: `problems.spec.ts` reads every service's
 * source and fails when a service throws a code the catalogue lacks (or with another status),
 * or when the catalogue lists for a service a code that service never throws.
 */
export interface ProblemDefinition {
  status: number;
  /** For people: when it happens, and what to do. */
  description: string;
}

export const PROBLEMS = {
  // bookings
  'booking.not_found': { status: 404, description: 'No such booking, or not one the caller takes part in.' },
  'booking.invalid_transition': { status: 409, description: 'The booking’s status does not allow this (e.g. accepting a cancelled booking).' },
  'booking.accept_deadline_passed': { status: 409, description: 'The tutor’s deadline to accept the request has passed.' },
  'booking.cancel_window_closed': { status: 409, description: 'The session’s start window has opened (canStartFrom): the booking can no longer be cancelled; the session decides.' },
  'booking.outside_availability': { status: 422, description: 'The time is outside the tutor’s weekly hours, or in their time off (details.reason).' },
  'tutor.profile_required': { status: 409, description: 'Create your tutor profile before setting hours or time off.' },
  'availability.invalid_time': { status: 400, description: 'A time is not HH:MM on the 15-minute grid (24:00 allowed as an end).' },
  'availability.invalid_range': { status: 400, description: 'A range must start before it ends, on a 15-minute grid, within the day.' },
  'availability.overlapping_ranges': { status: 400, description: 'Ranges on the same day overlap (details name them).' },
  'time_off.not_found': { status: 404, description: 'No such time off of yours.' },
  'time_off.invalid_range': { status: 400, description: 'Time off must end after it starts.' },
  'time_off.in_the_past': { status: 400, description: 'Time off must not lie entirely in the past.' },
  'time_off.too_long': { status: 400, description: 'Time off is at most a year long.' },
  'time_off.too_far_ahead': { status: 400, description: 'Time off starts at most two years ahead.' },
  'reschedule.not_allowed': { status: 409, description: 'Only a requested, accepted or confirmed lesson can be moved.' },
  'reschedule.too_late': { status: 409, description: 'A lesson can be moved until RESCHEDULE_MIN_NOTICE_HOURS before it starts.' },
  'reschedule.same_time': { status: 422, description: 'The lesson already starts at that time.' },
  'reschedule.not_found': { status: 404, description: 'There is no proposed new time for this booking.' },
  'reschedule.not_open': { status: 409, description: 'The proposed new time was already accepted, declined, replaced or expired.' },
  'reschedule.not_yours': { status: 403, description: 'The other participant answers a proposed new time.' },
  'reschedule.expired': { status: 409, description: 'The proposed new time has expired; propose it again.' },
  'booking.slot_taken': { status: 409, description: 'The tutor has another booking at that time.' },
  'booking.student_overlap': { status: 409, description: 'The student already has a lesson at that time.' },
  'booking.self_booking': { status: 422, description: 'A tutor cannot book their own lesson.' },
  'booking.subject_not_offered': { status: 422, description: 'The tutor does not teach this subject.' },
  'booking.too_far_ahead': { status: 422, description: 'The lesson is further ahead than bookings are taken.' },
  'booking.invalid_duration': { status: 422, description: 'The duration must be 15–240 minutes in steps of 15.' },
  'booking.too_soon': { status: 422, description: 'The lesson starts too soon (BOOKING_MIN_NOTICE_MINUTES).' },
  'booking.invalid_time': { status: 400, description: 'A time is not a valid date.' },
  'booking.price_too_low': { status: 422, description: 'The lesson would cost nothing at the tutor’s rate.' },
  'money.out_of_range': { status: 422, description: 'The price exceeds the largest amount the platform handles.' },
  'booking.not_payable': { status: 409, description: 'The booking is not accepted (any more), so it cannot be paid.' },
  'booking.payment_window_closed': { status: 409, description: 'The lesson has started; it can no longer be paid.' },
  'tutor.not_found': { status: 404, description: 'No such tutor profile.' },
  'tutor.not_a_tutor': { status: 403, description: 'Only a tutor has a tutor profile.' },
  'review.already_submitted': { status: 409, description: 'This participant has already reviewed the lesson.' },
  'review.not_allowed': { status: 409, description: 'Only a completed lesson can be reviewed.' },
  'review.invalid_rating': { status: 422, description: 'The rating must be a whole number from 1 to 5.' },
  'review.comment_too_long': { status: 422, description: 'The comment is too long.' },
  'dispute.not_found': { status: 404, description: 'No such dispute.' },
  'dispute.forbidden': { status: 403, description: 'Only the booking’s student may open a dispute, and only an admin may resolve it.' },
  'dispute.not_allowed': { status: 409, description: 'This booking cannot be disputed (not completed, or nothing was paid).' },
  'dispute.window_closed': { status: 409, description: 'The payment has already been released or refunded.' },
  'dispute.already_open': { status: 409, description: 'A dispute about this booking is already open.' },
  'dispute.already_resolved': { status: 409, description: 'The dispute has already been resolved.' },
  'dispute.closed': { status: 409, description: 'The money had left escrow when the dispute reached it; the dispute is closed.' },
  'dispute.not_ready': { status: 409, description: 'Payments has not confirmed the escrow freeze yet: ask again after Retry-After.' },
  'dispute.invalid_resolution': { status: 422, description: 'refundBasisPoints goes with a split, and only with a split (1–9999).' },
  'pagination.invalid_cursor': { status: 400, description: 'The cursor is not one this list handed out.' },
  // sessions
  'session.not_found': { status: 404, description: 'No such booking session, or the caller does not take part in it.' },
  'session.too_early': { status: 409, description: 'The session cannot be started yet (SESSION_START_EARLY_MINUTES before the lesson).' },
  'session.too_late': { status: 409, description: 'The window for starting the session has closed.' },
  'session.booking_not_confirmed': { status: 409, description: 'The booking is not confirmed (not paid yet).' },
  'session.booking_cancelled': { status: 409, description: 'The booking was cancelled.' },
  'session.not_started': { status: 409, description: 'The session has not been started yet.' },
  'session.already_ended': { status: 409, description: 'The session has already ended.' },
  'session.not_ready': { status: 409, description: 'The booking’s confirmation has not reached sessions yet: ask again after Retry-After.' },
  // payments
  'payment.not_found': { status: 404, description: 'No such payment.' },
  'payment.not_ready': { status: 409, description: 'The booking has not reached payments yet: ask again after Retry-After.' },
  'payment.forbidden_role': { status: 403, description: 'Only the booking’s student may pay.' },
  'payment.initiation_in_progress': { status: 409, description: 'A checkout for this booking is being opened: ask again in a moment.' },
  'payment.not_refundable': { status: 409, description: 'This payment cannot be refunded by an admin (not held in suspense).' },
  'payment.nothing_received': { status: 409, description: 'Chapa reports nothing received for this payment; there is nothing to refund.' },
  'chapa.unavailable': { status: 503, description: 'Chapa could not be reached; try again shortly.' },
  'chapa.bad_signature': { status: 401, description: 'The webhook’s signature does not match its body.' },
  'chapa.callback_without_reference': { status: 400, description: 'The callback names no trx_ref or tx_ref.' },
  'escrow.not_found': { status: 404, description: 'The booking has no verified payment held in escrow.' },
  'escrow.invalid_transition': { status: 409, description: 'The escrow was already released or refunded.' },
  'escrow.frozen_by_dispute': { status: 409, description: 'A dispute froze the escrow; resolve the dispute instead.' },
  'escrow.forbidden_role': { status: 403, description: 'Only the lesson’s student (or an admin) releases its payment early.' },
  'escrow.lesson_not_ended': { status: 409, description: 'The payment can be released once the lesson has ended with the tutor there.' },
  'escrow.already_settled': { status: 409, description: 'The payment has already been released or refunded.' },
  'refund.not_found': { status: 404, description: 'No such refund.' },
  'refund.not_retryable': { status: 409, description: 'Only a failed refund or one set aside for review can be retried.' },
  'admin.forbidden_role': { status: 403, description: 'Only an admin may do this.' },
  'wallet.forbidden_role': { status: 403, description: 'Only a tutor has a wallet.' },
  'wallet.insufficient_funds': { status: 422, description: 'The withdrawal exceeds the available balance.' },
  'payout.currency_unsupported': { status: 422, description: 'Withdrawals are in ETB only.' },
  // notifications
  'notification.not_found': { status: 404, description: 'No such notification in the caller’s inbox.' },
  'notifications.invalid_cursor': { status: 400, description: 'The cursor is not one this list handed out.' },
} as const satisfies Record<string, ProblemDefinition>;

export type ProblemCode = keyof typeof PROBLEMS;

/** Which service answers each RPC pattern (its source is what the catalogue is checked against). */
export const RPC_SERVICE: Record<string, 'bookings' | 'sessions' | 'payments' | 'notifications'> = {
  ...Object.fromEntries(Object.values(BOOKINGS_RPC).map((p) => [p, 'bookings'] as const)),
  ...Object.fromEntries(Object.values(SESSIONS_RPC).map((p) => [p, 'sessions'] as const)),
  ...Object.fromEntries(Object.values(PAYMENTS_RPC).map((p) => [p, 'payments'] as const)),
  ...Object.fromEntries(Object.values(NOTIFICATIONS_RPC).map((p) => [p, 'notifications'] as const)),
};

const SESSION_STATE: ProblemCode[] = ['session.not_found', 'session.not_ready'];

/**
 * The problems each RPC pattern may answer beyond validation, authentication and transport
 * (which the gateway documents on every route).
 */
export const RPC_PROBLEMS: Partial<Record<string, ProblemCode[]>> = {
  [BOOKINGS_RPC.create]: [
    'tutor.not_found',
    'booking.slot_taken',
    'booking.student_overlap',
    'booking.self_booking',
    'booking.subject_not_offered',
    'booking.too_soon',
    'booking.too_far_ahead',
    'booking.invalid_duration',
    'booking.invalid_time',
    'booking.price_too_low',
    'booking.outside_availability',
    'money.out_of_range',
  ],
  [BOOKINGS_RPC.list]: ['pagination.invalid_cursor'],
  [BOOKINGS_RPC.get]: ['booking.not_found'],
  [BOOKINGS_RPC.accept]: ['booking.not_found', 'booking.invalid_transition', 'booking.accept_deadline_passed'],
  [BOOKINGS_RPC.decline]: ['booking.not_found', 'booking.invalid_transition'],
  [BOOKINGS_RPC.cancel]: ['booking.not_found', 'booking.invalid_transition', 'booking.cancel_window_closed'],
  [BOOKINGS_RPC.reschedulePropose]: [
    'booking.not_found',
    'reschedule.not_allowed',
    'reschedule.too_late',
    'reschedule.same_time',
    'booking.too_soon',
    'booking.too_far_ahead',
    'booking.outside_availability',
    'booking.slot_taken',
  ],
  [BOOKINGS_RPC.rescheduleAccept]: [
    'booking.not_found',
    'reschedule.not_found',
    'reschedule.not_open',
    'reschedule.not_yours',
    'reschedule.expired',
    'reschedule.not_allowed',
    'reschedule.too_late',
    'booking.outside_availability',
    'booking.slot_taken',
    'booking.student_overlap',
  ],
  [BOOKINGS_RPC.rescheduleDecline]: ['booking.not_found', 'reschedule.not_found', 'reschedule.not_open', 'reschedule.not_yours', 'reschedule.expired'],
  [BOOKINGS_RPC.availabilitySetMe]: ['tutor.profile_required', 'availability.invalid_time', 'availability.invalid_range', 'availability.overlapping_ranges'],
  [BOOKINGS_RPC.availabilityGet]: ['tutor.not_found'],
  [BOOKINGS_RPC.timeOffCreate]: ['tutor.profile_required', 'time_off.invalid_range', 'time_off.in_the_past', 'time_off.too_long', 'time_off.too_far_ahead'],
  [BOOKINGS_RPC.timeOffList]: ['pagination.invalid_cursor'],
  [BOOKINGS_RPC.timeOffDelete]: ['time_off.not_found'],
  [BOOKINGS_RPC.slots]: ['tutor.not_found'],
  [BOOKINGS_RPC.review]: ['booking.not_found', 'review.not_allowed', 'review.already_submitted', 'review.invalid_rating', 'review.comment_too_long'],
  [BOOKINGS_RPC.dispute]: ['booking.not_found', 'dispute.forbidden', 'dispute.not_allowed', 'dispute.window_closed', 'dispute.already_open', 'dispute.already_resolved'],
  [BOOKINGS_RPC.disputesList]: ['pagination.invalid_cursor'],
  [BOOKINGS_RPC.disputesResolve]: ['dispute.not_found', 'dispute.forbidden', 'dispute.already_resolved', 'dispute.closed', 'dispute.not_ready', 'dispute.invalid_resolution'],
  [BOOKINGS_RPC.tutorsUpsertMe]: ['tutor.not_a_tutor'],
  [BOOKINGS_RPC.tutorsSearch]: ['pagination.invalid_cursor'],
  [BOOKINGS_RPC.tutorsGet]: ['tutor.not_found'],
  [SESSIONS_RPC.start]: [...SESSION_STATE, 'session.too_early', 'session.too_late', 'session.booking_not_confirmed', 'session.booking_cancelled', 'session.already_ended'],
  [SESSIONS_RPC.join]: [...SESSION_STATE, 'session.not_started', 'session.already_ended', 'session.booking_cancelled'],
  [SESSIONS_RPC.token]: [...SESSION_STATE, 'session.not_started', 'session.already_ended'],
  [SESSIONS_RPC.end]: [...SESSION_STATE, 'session.not_started'],
  [SESSIONS_RPC.status]: ['session.not_found'],
  [PAYMENTS_RPC.initiate]: [
    'booking.not_found',
    'payment.forbidden_role',
    'payment.not_ready',
    'payment.initiation_in_progress',
    'booking.not_payable',
    'booking.payment_window_closed',
    'chapa.unavailable',
  ],
  [PAYMENTS_RPC.bookingPaymentGet]: ['booking.not_found', 'payment.not_ready'],
  [PAYMENTS_RPC.chapaWebhook]: ['chapa.bad_signature', 'chapa.unavailable'],
  [PAYMENTS_RPC.chapaCallback]: ['chapa.callback_without_reference', 'chapa.unavailable'],
  [PAYMENTS_RPC.walletGet]: ['wallet.forbidden_role'],
  [PAYMENTS_RPC.walletWithdraw]: ['wallet.forbidden_role', 'wallet.insufficient_funds', 'payout.currency_unsupported', 'chapa.unavailable'],
  [PAYMENTS_RPC.adminEscrowStats]: ['admin.forbidden_role'],
  [PAYMENTS_RPC.adminRelease]: ['admin.forbidden_role', 'escrow.not_found', 'escrow.invalid_transition', 'escrow.frozen_by_dispute'],
  [PAYMENTS_RPC.adminRefund]: ['admin.forbidden_role', 'escrow.not_found', 'escrow.invalid_transition', 'escrow.frozen_by_dispute'],
  [PAYMENTS_RPC.adminRefundsList]: ['admin.forbidden_role'],
  [PAYMENTS_RPC.studentRelease]: ['escrow.forbidden_role', 'escrow.not_found', 'escrow.lesson_not_ended', 'escrow.frozen_by_dispute', 'escrow.already_settled'],
  [PAYMENTS_RPC.adminRefundRetry]: ['admin.forbidden_role', 'refund.not_found', 'refund.not_retryable'],
  [PAYMENTS_RPC.adminPaymentRefund]: ['admin.forbidden_role', 'payment.not_found', 'payment.not_refundable', 'payment.nothing_received', 'chapa.unavailable'],
  [NOTIFICATIONS_RPC.list]: ['notifications.invalid_cursor'],
  [NOTIFICATIONS_RPC.markRead]: ['notification.not_found'],
};

/** The problems of an RPC pattern, grouped by status: `{ '409': ['booking.slot_taken', …] }`. */
export function problemsByStatus(patterns: readonly string[]): Record<string, ProblemCode[]> {
  const out: Record<string, ProblemCode[]> = {};
  for (const pattern of patterns) {
    for (const code of RPC_PROBLEMS[pattern] ?? []) {
      const status = String(PROBLEMS[code].status);
      const list = (out[status] ??= []);
      if (!list.includes(code)) list.push(code);
    }
  }
  return out;
}
