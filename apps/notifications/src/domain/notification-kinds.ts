/**
 * Every kind of notification the inbox holds. Clients switch on these (icon, deep link), so
 * they are stable: a kind is never renamed, only added.
 */
export const NOTIFICATION_KINDS = [
  'user.welcome',
  'booking.requested',
  'booking.accepted',
  'booking.declined',
  'booking.expired',
  'booking.cancelled',
  'booking.confirmed',
  'booking.no_show',
  'booking.reminder',
  'booking.rescheduled',
  'booking.reschedule_proposed',
  'booking.reschedule_declined',
  'booking.reschedule_expired',
  'session.started',
  'session.participant_joined',
  'session.ended',
  'session.rating_requested',
  'dispute.opened',
  'dispute.resolved',
  'dispute.closed',
  'review.received',
  'payment.succeeded',
  'payment.failed',
  'escrow.held',
  'escrow.release_scheduled',
  'escrow.released',
  'escrow.refunded',
  'payout.requested',
  'payout.succeeded',
  'payout.failed',
  'payout.reversed',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What a handler asks the inbox to hold; the inbox adds id, time and read state. */
export interface NotificationDraft {
  userId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  data: Record<string, unknown>;
  /**
   * Identity of the fact being told (e.g. `booking.requested:<bookingId>`): the same fact told
   * twice, whatever the event id, yields one notification per user and kind.
   */
  dedupeKey: string;
}
