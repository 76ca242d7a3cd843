import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, OnEventBatch, type BatchedEvent, type EventBatchContext, type EventContext } from '@tutorhub/messaging';
import { TellAboutEvent, type ToldEvent } from './tell-about-event';

type D<K extends ToldEvent> = EventDataOf<K>;
type Many<K extends ToldEvent> = Array<BatchedEvent<D<K>>>;
const told = <K extends ToldEvent>(events: Many<K>) => events.map((e) => ({ d: e.data, sourceEventId: e.envelope.id }));

/**
 * The consumed events, one line each: subscribe, hand the event to the use case
 * (tell-about-event.ts decides who is told what, and what happens to reminders). Each runs in
 * the transaction that records the event in the inbox.
 *
 * Deliberately not consumed: `payments.payment.initiated.v1` (the student just opened the
 * checkout themselves), `sessions.session.missed.v1` (`bookings.booking.no_show.v1`
 * follows it and is what people are told) and `payments.escrow.frozen.v1` (`dispute.opened`
 * already told the tutor that the payment is on hold).
 */
@Injectable()
export class NotificationEvents {
  constructor(private readonly tell: TellAboutEvent) {}

  @OnEvent('identity.user.registered.v1')
  async onUserRegistered(d: D<'identity.user.registered.v1'>, ctx: EventContext) {
    await this.tell.handle('identity.user.registered.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.booking.requested.v1')
  async onBookingRequested(d: D<'bookings.booking.requested.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.booking.requested.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.booking.accepted.v1')
  async onBookingAccepted(d: D<'bookings.booking.accepted.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.booking.accepted.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.booking.declined.v1')
  async onBookingDeclined(d: D<'bookings.booking.declined.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.booking.declined.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.booking.expired.v1')
  async onBookingExpired(d: D<'bookings.booking.expired.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.booking.expired.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.booking.cancelled.v1')
  async onBookingCancelled(d: D<'bookings.booking.cancelled.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.booking.cancelled.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.booking.rescheduled.v1')
  async onBookingRescheduled(d: D<'bookings.booking.rescheduled.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.booking.rescheduled.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.reschedule.proposed.v1')
  async onRescheduleProposed(d: D<'bookings.reschedule.proposed.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.reschedule.proposed.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.reschedule.declined.v1')
  async onRescheduleDeclined(d: D<'bookings.reschedule.declined.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.reschedule.declined.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.reschedule.expired.v1')
  async onRescheduleExpired(d: D<'bookings.reschedule.expired.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.reschedule.expired.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.escrow.freeze_rejected.v1')
  async onFreezeRejected(d: D<'payments.escrow.freeze_rejected.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.escrow.freeze_rejected.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.booking.confirmed.v1')
  async onBookingConfirmed(d: D<'bookings.booking.confirmed.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.booking.confirmed.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.booking.completed.v1')
  async onBookingCompleted(d: D<'bookings.booking.completed.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.booking.completed.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.booking.no_show.v1')
  async onBookingNoShow(d: D<'bookings.booking.no_show.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.booking.no_show.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.dispute.opened.v1')
  async onDisputeOpened(d: D<'bookings.dispute.opened.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.dispute.opened.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.dispute.resolved.v1')
  async onDisputeResolved(d: D<'bookings.dispute.resolved.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.dispute.resolved.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('bookings.review.submitted.v1')
  async onReviewSubmitted(d: D<'bookings.review.submitted.v1'>, ctx: EventContext) {
    await this.tell.handle('bookings.review.submitted.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.payment.succeeded.v1')
  async onPaymentSucceeded(d: D<'payments.payment.succeeded.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.payment.succeeded.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.payment.failed.v1')
  async onPaymentFailed(d: D<'payments.payment.failed.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.payment.failed.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.escrow.held.v1')
  async onEscrowHeld(d: D<'payments.escrow.held.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.escrow.held.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.escrow.release_scheduled.v1')
  async onEscrowReleaseScheduled(d: D<'payments.escrow.release_scheduled.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.escrow.release_scheduled.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.escrow.released.v1')
  async onEscrowReleased(d: D<'payments.escrow.released.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.escrow.released.v1', d, ctx.em, ctx.envelope.id);
  }

  // The escrow events a backlog release (or refund) sends by the thousand: a batch's events of
  // one of these types are told in one statement (ADR 0022); same notifications as above.
  @OnEventBatch('payments.escrow.release_scheduled.v1')
  async onEscrowReleaseScheduledMany(events: Many<'payments.escrow.release_scheduled.v1'>, ctx: EventBatchContext) {
    await this.tell.handleMany('payments.escrow.release_scheduled.v1', told(events), ctx.em);
  }

  @OnEventBatch('payments.escrow.released.v1')
  async onEscrowReleasedMany(events: Many<'payments.escrow.released.v1'>, ctx: EventBatchContext) {
    await this.tell.handleMany('payments.escrow.released.v1', told(events), ctx.em);
  }

  @OnEventBatch('payments.escrow.refunded.v1')
  async onEscrowRefundedMany(events: Many<'payments.escrow.refunded.v1'>, ctx: EventBatchContext) {
    await this.tell.handleMany('payments.escrow.refunded.v1', told(events), ctx.em);
  }

  @OnEvent('payments.escrow.refunded.v1')
  async onEscrowRefunded(d: D<'payments.escrow.refunded.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.escrow.refunded.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.payout.requested.v1')
  async onPayoutRequested(d: D<'payments.payout.requested.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.payout.requested.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.payout.succeeded.v1')
  async onPayoutSucceeded(d: D<'payments.payout.succeeded.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.payout.succeeded.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.payout.failed.v1')
  async onPayoutFailed(d: D<'payments.payout.failed.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.payout.failed.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('payments.payout.reversed.v1')
  async onPayoutReversed(d: D<'payments.payout.reversed.v1'>, ctx: EventContext) {
    await this.tell.handle('payments.payout.reversed.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('sessions.session.started.v1')
  async onSessionStarted(d: D<'sessions.session.started.v1'>, ctx: EventContext) {
    await this.tell.handle('sessions.session.started.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('sessions.session.participant_joined.v1')
  async onParticipantJoined(d: D<'sessions.session.participant_joined.v1'>, ctx: EventContext) {
    await this.tell.handle('sessions.session.participant_joined.v1', d, ctx.em, ctx.envelope.id);
  }

  @OnEvent('sessions.session.ended.v1')
  async onSessionEnded(d: D<'sessions.session.ended.v1'>, ctx: EventContext) {
    await this.tell.handle('sessions.session.ended.v1', d, ctx.em, ctx.envelope.id);
  }
}
