import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { cancellationRefundBps, Clock, type CancellationPolicyConfig } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { cancellationPolicyOf } from '../domain/cancellation-policy';
import { releaseAtAfter } from '../domain/release-time';
import { ProcessRefunds } from '../process-refunds/process-refunds';
import { EscrowTransitions, settleThenRefundSoon } from '../shared/escrow-transitions';
import { bookingStartsAt, lockBookingIfKnown, markBookingTerminal } from '../stores/booking.store';
import { lockEscrowByBooking } from '../stores/escrow.store';

/**
 * What happened at the lesson decides the escrow: `session.ended` (attendance, abandonment) and
 * bookings' `no_show`. The tutor was there → release scheduled after ESCROW_RELEASE_DELAY_HOURS
 * (the dispute window); the tutor was not → everything back; the student abandoned → the
 * student's cancellation tier. Both events describe the same facts: only a `held` escrow is
 * decided, whichever arrives first. Driven by `settle-after-lesson.events.ts`, in the consumer's
 * transaction (`em`, with the inbox insert); lock order booking row, then escrow row.
 */
@Injectable()
export class SettleAfterLesson {
  private readonly cancellationPolicy: CancellationPolicyConfig;

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly clock: Clock,
    private readonly escrows: EscrowTransitions,
    private readonly refunds: ProcessRefunds,
  ) {
    this.cancellationPolicy = cancellationPolicyOf(config);
  }

  /** Bookings' no-show report: who was absent decides. */
  async noShow(em: EntityManager, d: EventDataOf<'bookings.booking.no_show.v1'>): Promise<void> {
    await markBookingTerminal(em, d, 'no_show', null, this.clock.now());
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    if (!escrow) return;
    const source = 'bookings.booking.no_show';
    // Only an escrow that session.ended has not decided yet: the two describe the same facts.
    if (escrow.status !== 'held') {
      await this.escrows.ignore(em, escrow, `no_show:${d.absentParty}`, source, { absentParty: d.absentParty });
      return;
    }
    if (d.absentParty === 'student') {
      // The tutor was there: they are paid, after the usual dispute window.
      const now = this.clock.now();
      await this.escrows.scheduleRelease(em, escrow, this.releaseAt(now), now, source);
      return;
    }
    await settleThenRefundSoon(this.escrows, this.refunds, em, escrow, {
      action: 'refund', refundBps: 10000, reason: d.absentParty === 'both' ? 'no_show' : 'tutor_absent', now: this.clock.now(), source,
    });
  }

  /** The session ended: attendance and abandonment decide. */
  async sessionEnded(em: EntityManager, d: EventDataOf<'sessions.session.ended.v1'>): Promise<void> {
    await lockBookingIfKnown(em, d.bookingId);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    const source = 'sessions.session.ended';
    if (!escrow) {
      await this.escrows.ignoreWithoutEscrow(em, d.bookingId, 'session_ended', source, {});
      return;
    }
    // docs/design.md §4: starting counts as joining; a party who never joined is absent. Tutor absent
    // (alone or with the student) → the student gets everything back; otherwise the tutor is
    // paid at endedAt + ESCROW_RELEASE_DELAY_HOURS unless a dispute freezes it first.
    const tutorAbsent = d.attendance.tutorJoinedAt === null;
    const studentAbsent = d.attendance.studentJoinedAt === null;
    if (escrow.status !== 'held') {
      await this.escrows.ignore(em, escrow, 'session_ended', source, { sessionId: d.sessionId });
      return;
    }
    if (d.abandonedBy === 'tutor') {
      // docs/design.md §4: the tutor ended it before the student joined, in the start window: a tutor's
      // cancellation, so the student gets everything back.
      await settleThenRefundSoon(this.escrows, this.refunds, em, escrow, {
        action: 'refund', refundBps: 10000, reason: 'tutor_abandoned', now: this.clock.now(), source,
      });
      return;
    }
    if (d.abandonedBy === 'student') {
      // … the student did: a late cancellation by a student who had seen the booking confirmed.
      const booking = await bookingStartsAt(em, d.bookingId);
      const startsAt = d.scheduledStartsAt ? new Date(d.scheduledStartsAt) : booking?.starts_at ? new Date(booking.starts_at) : new Date(d.startedAt);
      const bps = cancellationRefundBps(
        { cancelledBy: 'student', previousStatus: 'confirmed', startsAt, cancelledAt: new Date(d.endedAt) },
        this.cancellationPolicy,
      );
      await settleThenRefundSoon(this.escrows, this.refunds, em, escrow, {
        action: 'split', refundBps: bps, reason: 'student_abandoned', now: this.clock.now(), source,
      });
      return;
    }
    if (tutorAbsent) {
      await settleThenRefundSoon(this.escrows, this.refunds, em, escrow, {
        action: 'refund', refundBps: 10000, reason: studentAbsent ? 'no_show' : 'tutor_absent', now: this.clock.now(), source,
      });
      return;
    }
    await this.escrows.scheduleRelease(em, escrow, this.releaseAt(new Date(d.endedAt)), this.clock.now(), source);
  }

  private releaseAt(from: Date): Date {
    return releaseAtAfter(from, this.config.ESCROW_RELEASE_DELAY_HOURS);
  }
}
