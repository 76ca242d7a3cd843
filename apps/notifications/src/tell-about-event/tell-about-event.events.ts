import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import type { NotificationDraft } from '../domain/notification-kinds';
import { eventMessages, type Names } from '../domain/notification-texts';
import { ReminderScheduler } from '../schedule-reminders/schedule-reminders';
import { ContactStore } from '../stores/contact.store';
import { NotificationStore } from '../stores/notification.store';
import { NotificationWriter } from '../write-notification/write-notification';

type D<K extends keyof typeof eventMessages | 'identity.user.registered.v1'> = EventDataOf<K>;

/**
 * Every event that concerns a user becomes notifications for the right people (see
 * domain/notification-texts.ts for who hears what, in which words). Each handler runs in the transaction that
 * records the event in the inbox, so the notifications, their `notification.created` events,
 * their planned deliveries and any reminder changes commit together, once.
 *
 * Deliberately not consumed: `payments.payment.initiated.v1` (the student just opened the
 * checkout themselves), `sessions.session.missed.v1` (`bookings.booking.no_show.v1`
 * follows it and is what people are told) and `payments.escrow.frozen.v1` (`dispute.opened`
 * already told the tutor that the payment is on hold).
 */
@Injectable()
export class NotificationEvents {
  constructor(
    private readonly writer: NotificationWriter,
    private readonly contacts: ContactStore,
    private readonly reminders: ReminderScheduler,
    private readonly notifications: NotificationStore,
  ) {}

  private async tell(ctx: EventContext, userIds: string[], build: (names: Names) => NotificationDraft[]) {
    const names = await this.contacts.names(ctx.em, userIds);
    await this.writer.write(ctx.em, build(names), ctx.envelope.id);
  }

  // ---- identity ----
  @OnEvent('identity.user.registered.v1')
  async onUserRegistered(d: D<'identity.user.registered.v1'>, ctx: EventContext) {
    await this.contacts.upsert(ctx.em, d);
    await this.writer.write(ctx.em, eventMessages['identity.user.registered.v1'](d), ctx.envelope.id);
  }

  // ---- bookings ----
  @OnEvent('bookings.booking.requested.v1')
  async onBookingRequested(d: D<'bookings.booking.requested.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.studentId], (n) => eventMessages['bookings.booking.requested.v1'](d, n));
  }

  @OnEvent('bookings.booking.accepted.v1')
  async onBookingAccepted(d: D<'bookings.booking.accepted.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.tutorId], (n) => eventMessages['bookings.booking.accepted.v1'](d, n));
  }

  @OnEvent('bookings.booking.declined.v1')
  async onBookingDeclined(d: D<'bookings.booking.declined.v1'>, ctx: EventContext) {
    await this.reminders.closeBooking(ctx.em, d.bookingId, 'declined');
    await this.tell(ctx, [d.tutorId], (n) => eventMessages['bookings.booking.declined.v1'](d, n));
  }

  @OnEvent('bookings.booking.expired.v1')
  async onBookingExpired(d: D<'bookings.booking.expired.v1'>, ctx: EventContext) {
    await this.reminders.closeBooking(ctx.em, d.bookingId, 'expired');
    await this.tell(ctx, [d.studentId, d.tutorId], (n) => eventMessages['bookings.booking.expired.v1'](d, n));
  }

  @OnEvent('bookings.booking.cancelled.v1')
  async onBookingCancelled(d: D<'bookings.booking.cancelled.v1'>, ctx: EventContext) {
    await this.reminders.closeBooking(ctx.em, d.bookingId, 'cancelled');
    await this.tell(ctx, [d.studentId, d.tutorId], (n) => eventMessages['bookings.booking.cancelled.v1'](d, n));
  }

  /** The lesson moved: the reminders follow the new time (newest slot only), and both are told. */
  @OnEvent('bookings.booking.rescheduled.v1')
  async onBookingRescheduled(d: D<'bookings.booking.rescheduled.v1'>, ctx: EventContext) {
    await this.reminders.reschedule(ctx.em, d);
    await this.tell(ctx, [d.studentId, d.tutorId], (n) => eventMessages['bookings.booking.rescheduled.v1'](d, n));
  }

  @OnEvent('bookings.reschedule.proposed.v1')
  async onRescheduleProposed(d: D<'bookings.reschedule.proposed.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.studentId, d.tutorId], (n) => eventMessages['bookings.reschedule.proposed.v1'](d, n));
  }

  @OnEvent('bookings.reschedule.declined.v1')
  async onRescheduleDeclined(d: D<'bookings.reschedule.declined.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.studentId, d.tutorId], (n) => eventMessages['bookings.reschedule.declined.v1'](d, n));
  }

  @OnEvent('bookings.reschedule.expired.v1')
  async onRescheduleExpired(d: D<'bookings.reschedule.expired.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.proposedBy], () => eventMessages['bookings.reschedule.expired.v1'](d));
  }

  @OnEvent('payments.escrow.freeze_rejected.v1')
  async onFreezeRejected(d: D<'payments.escrow.freeze_rejected.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.studentId], () => eventMessages['payments.escrow.freeze_rejected.v1'](d));
  }

  @OnEvent('bookings.booking.confirmed.v1')
  async onBookingConfirmed(d: D<'bookings.booking.confirmed.v1'>, ctx: EventContext) {
    await this.reminders.scheduleFor(ctx.em, d);
    await this.tell(ctx, [d.studentId, d.tutorId], (n) => eventMessages['bookings.booking.confirmed.v1'](d, n));
  }

  @OnEvent('bookings.booking.completed.v1')
  async onBookingCompleted(d: D<'bookings.booking.completed.v1'>, ctx: EventContext) {
    await this.reminders.closeBooking(ctx.em, d.bookingId, 'completed');
    await this.tell(ctx, [d.studentId, d.tutorId], (n) => eventMessages['bookings.booking.completed.v1'](d, n));
  }

  @OnEvent('bookings.booking.no_show.v1')
  async onBookingNoShow(d: D<'bookings.booking.no_show.v1'>, ctx: EventContext) {
    await this.reminders.closeBooking(ctx.em, d.bookingId, 'no_show');
    await this.tell(ctx, [d.studentId, d.tutorId], (n) => eventMessages['bookings.booking.no_show.v1'](d, n));
  }

  @OnEvent('bookings.dispute.opened.v1')
  async onDisputeOpened(d: D<'bookings.dispute.opened.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.studentId], (n) => eventMessages['bookings.dispute.opened.v1'](d, n));
  }

  @OnEvent('bookings.dispute.resolved.v1')
  async onDisputeResolved(d: D<'bookings.dispute.resolved.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['bookings.dispute.resolved.v1'](d));
  }

  @OnEvent('bookings.review.submitted.v1')
  async onReviewSubmitted(d: D<'bookings.review.submitted.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.authorId], (n) => eventMessages['bookings.review.submitted.v1'](d, n));
  }

  // ---- payments ----
  @OnEvent('payments.payment.succeeded.v1')
  async onPaymentSucceeded(d: D<'payments.payment.succeeded.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['payments.payment.succeeded.v1'](d));
  }

  @OnEvent('payments.payment.failed.v1')
  async onPaymentFailed(d: D<'payments.payment.failed.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['payments.payment.failed.v1'](d));
  }

  @OnEvent('payments.escrow.held.v1')
  async onEscrowHeld(d: D<'payments.escrow.held.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.studentId], (n) => eventMessages['payments.escrow.held.v1'](d, n));
  }

  @OnEvent('payments.escrow.release_scheduled.v1')
  async onEscrowReleaseScheduled(d: D<'payments.escrow.release_scheduled.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.tutorId], (n) => eventMessages['payments.escrow.release_scheduled.v1'](d, n));
  }

  @OnEvent('payments.escrow.released.v1')
  async onEscrowReleased(d: D<'payments.escrow.released.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['payments.escrow.released.v1'](d));
  }

  @OnEvent('payments.escrow.refunded.v1')
  async onEscrowRefunded(d: D<'payments.escrow.refunded.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['payments.escrow.refunded.v1'](d));
  }

  @OnEvent('payments.payout.requested.v1')
  async onPayoutRequested(d: D<'payments.payout.requested.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['payments.payout.requested.v1'](d));
  }

  @OnEvent('payments.payout.succeeded.v1')
  async onPayoutSucceeded(d: D<'payments.payout.succeeded.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['payments.payout.succeeded.v1'](d));
  }

  @OnEvent('payments.payout.failed.v1')
  async onPayoutFailed(d: D<'payments.payout.failed.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['payments.payout.failed.v1'](d));
  }

  @OnEvent('payments.payout.reversed.v1')
  async onPayoutReversed(d: D<'payments.payout.reversed.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['payments.payout.reversed.v1'](d));
  }

  // ---- sessions ----
  @OnEvent('sessions.session.started.v1')
  async onSessionStarted(d: D<'sessions.session.started.v1'>, ctx: EventContext) {
    await this.tell(ctx, [d.studentId, d.tutorId], (n) => eventMessages['sessions.session.started.v1'](d, n));
  }

  @OnEvent('sessions.session.participant_joined.v1')
  async onParticipantJoined(d: D<'sessions.session.participant_joined.v1'>, ctx: EventContext) {
    const startedBy = await this.notifications.sessionStarter(ctx.em, d.sessionId);
    await this.tell(ctx, [d.userId], (n) => eventMessages['sessions.session.participant_joined.v1'](d, n, startedBy));
  }

  @OnEvent('sessions.session.ended.v1')
  async onSessionEnded(d: D<'sessions.session.ended.v1'>, ctx: EventContext) {
    await this.tell(ctx, [], () => eventMessages['sessions.session.ended.v1'](d));
  }
}
