import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { canTransition } from '../domain/booking-status';
import { BookingPolicies } from '../shared/booking-policies';
import { lockKnownBooking } from '../shared/known-booking';
import { BookingStore, parties, type AbsentParty, type BookingRecord } from '../stores/booking.store';

/**
 * The video session's life, from the sessions service (adapter: session.events.ts). Sessions
 * only runs sessions of confirmed bookings; its events may still reach us out of order
 * (replicas, retries), so each step acts only when the booking's status allows it and otherwise
 * does nothing:
 * - `started`: confirmed → in_progress;
 * - `ended`: in_progress → completed, or no_show when a party never joined (`absentParty`);
 *   an `ended` that overtook its `started` (booking still confirmed) completes the booking too;
 * - `ended` with `abandonedBy`: the one who ended it before the other joined has cancelled
 *   (confirmed/in_progress → cancelled, `booking.cancelled` via `session`);
 * - `missed`: confirmed → no_show.
 * Payments applies the money rule of an ended session itself; `booking.no_show` tells it (and
 * notifications) which party was absent.
 */
@Injectable()
export class ApplySessionEvents {
  private readonly logger = new Logger(ApplySessionEvents.name);

  constructor(
    private readonly store: BookingStore,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
    private readonly policies: BookingPolicies,
  ) {}

  async started(em: EntityManager, data: EventDataOf<'sessions.session.started.v1'>): Promise<void> {
    const booking = await this.lockKnown(em, data.bookingId, 'sessions.session.started.v1');
    if (!booking || !this.allowed(booking, 'start', 'sessions.session.started.v1')) return;
    await this.store.transition(em, booking, 'start', { sessionStartedAt: new Date(data.startedAt) });
  }

  async ended(em: EntityManager, data: EventDataOf<'sessions.session.ended.v1'>): Promise<void> {
    let booking = await this.lockKnown(em, data.bookingId, 'sessions.session.ended.v1');
    if (!booking) return;
    const times = { sessionStartedAt: new Date(data.startedAt), sessionEndedAt: new Date(data.endedAt) };
    if (data.abandonedBy) {
      await this.abandoned(em, booking, data, times);
      return;
    }
    if (data.absentParty) {
      if (!this.allowed(booking, 'mark_no_show', 'sessions.session.ended.v1')) return;
      await this.noShow(em, booking, data.absentParty, times);
      return;
    }
    if (booking.status === 'confirmed') booking = await this.store.transition(em, booking, 'start', times);
    if (!this.allowed(booking, 'complete', 'sessions.session.ended.v1')) return;
    const completed = await this.store.transition(em, booking, 'complete', { ...times, completedAt: this.clock.now() });
    await this.outbox.add(em, 'bookings.booking.completed.v1', parties(completed));
  }

  async missed(em: EntityManager, data: EventDataOf<'sessions.session.missed.v1'>): Promise<void> {
    const booking = await this.lockKnown(em, data.bookingId, 'sessions.session.missed.v1');
    // Only a booking nobody started can be missed; an in_progress one waits for its `ended`.
    if (!booking || booking.status !== 'confirmed') {
      if (booking) this.logger.log(`sessions.session.missed.v1 for ${booking.status} booking ${booking.id}; nothing to do`);
      return;
    }
    await this.noShow(em, booking, data.absentParty, {});
  }

  /**
   * docs/design.md §4: a participant ended the session before the other joined, while the start window
   * was open. Nobody is absent: the one who ended it has cancelled. The cancellation carries the
   * session's facts (`via: session`); payments decides the money from `session.ended` itself.
   */
  private async abandoned(
    em: EntityManager,
    booking: BookingRecord,
    data: EventDataOf<'sessions.session.ended.v1'>,
    times: { sessionStartedAt: Date; sessionEndedAt: Date },
  ): Promise<void> {
    if (!this.allowed(booking, 'abandon', 'sessions.session.ended.v1')) return;
    const role = data.abandonedBy as 'student' | 'tutor';
    const by = role === 'student' ? booking.studentId : booking.tutorId;
    const cancelledAt = times.sessionEndedAt;
    const refundBps = this.policies.refundBasisPoints({ cancelledBy: role, previousStatus: 'confirmed', startsAt: booking.startsAt, cancelledAt });
    const reason = role === 'tutor' ? 'The tutor ended the session before the student joined.' : 'The student ended the session before the tutor joined.';
    const cancelled = await this.store.transition(em, booking, 'abandon', {
      ...times,
      cancelledAt,
      cancelledBy: by,
      cancelledByRole: role,
      cancelReason: reason,
      refundBps,
    });
    await this.outbox.add(em, 'bookings.booking.cancelled.v1', {
      ...parties(cancelled),
      cancelledBy: by,
      cancelledByRole: role,
      reason,
      refundBasisPoints: refundBps,
      previousStatus: booking.status,
      startsAt: booking.startsAt.toISOString(),
      cancelledAt: cancelledAt.toISOString(),
      via: 'session',
    });
  }

  private async noShow(
    em: EntityManager,
    booking: BookingRecord,
    absentParty: AbsentParty,
    times: { sessionStartedAt?: Date; sessionEndedAt?: Date },
  ): Promise<void> {
    const marked = await this.store.transition(em, booking, 'mark_no_show', { ...times, absentParty, noShowAt: this.clock.now() });
    await this.outbox.add(em, 'bookings.booking.no_show.v1', { ...parties(marked), absentParty });
  }

  private allowed(booking: BookingRecord, action: 'start' | 'complete' | 'mark_no_show' | 'abandon', type: string): boolean {
    if (canTransition(booking.status, action)) return true;
    this.logger.log(`${type} for ${booking.status} booking ${booking.id}; nothing to do`);
    return false;
  }

  private lockKnown(em: EntityManager, bookingId: string, type: string): Promise<BookingRecord | null> {
    return lockKnownBooking(this.store, this.logger, em, bookingId, type);
  }
}
