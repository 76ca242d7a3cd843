import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, RescheduleResult } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { assertReschedulable } from '../domain/reschedule-rules';
import { BookableTime } from '../shared/bookable-time';
import { BookingPolicies } from '../shared/booking-policies';
import { answerableProposal, rescheduleResult } from '../shared/reschedule-proposals';
import { BookingStore, overlapConflict, parties } from '../stores/booking.store';
import { RescheduleStore } from '../stores/reschedule.store';

/**
 * The other participant accepts the open proposal (docs/design.md §3): the booking moves in one
 * transaction under the booking's row lock; the database's no-overlap constraints decide whether
 * the new slot is still free (two proposals racing for one slot: exactly one wins, the other is
 * a 409). Never moves money: payments, sessions and notifications follow `booking.rescheduled`,
 * ordered by its `slotSequence`.
 */
@Injectable()
export class AcceptReschedule {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly bookings: BookingStore,
    private readonly proposals: RescheduleStore,
    private readonly policies: BookingPolicies,
    private readonly availability: BookableTime,
  ) {}

  async accept(caller: Actor, bookingId: string): Promise<RescheduleResult> {
    try {
      return await this.ds.transaction(async (em) => {
        const booking = await this.bookings.lockOwnParticipantBooking(em, caller, bookingId);
        const now = this.clock.now();
        const proposal = await answerableProposal(this.proposals, em, booking, caller, now);
        assertReschedulable({ status: booking.status, startsAt: booking.startsAt, now }, this.policies.reschedule);
        // Hours or time off may have changed since the proposal; the tutor's time lock is taken
        // here, before the booking row is written (BookableTime's lock order).
        await this.availability.assertBookable(em, booking.tutorId, proposal.startsAt, proposal.endsAt, { excludeBookingId: booking.id });
        const rules = this.policies.rules;
        const slotSequence = await this.proposals.moveBooking(em, booking.id, {
          startsAt: proposal.startsAt,
          endsAt: proposal.endsAt,
          acceptDeadline: rules.acceptDeadline(proposal.startsAt),
          paymentDeadline: rules.paymentDeadline(proposal.startsAt),
          now,
        });
        const accepted = await this.proposals.decide(em, proposal.id, 'accepted', caller.userId, now);
        await this.outbox.add(em, 'bookings.booking.rescheduled.v1', {
          ...parties(booking),
          subject: booking.subject,
          previousStartsAt: booking.startsAt.toISOString(),
          previousEndsAt: booking.endsAt.toISOString(),
          startsAt: proposal.startsAt.toISOString(),
          endsAt: proposal.endsAt.toISOString(),
          rescheduledBy: proposal.proposedBy,
          status: booking.status,
          slotSequence,
        });
        return rescheduleResult(this.bookings, em, accepted, booking.id);
      });
    } catch (err) {
      // The slot was taken after the proposal was made: the constraint decided. The proposal
      // stays open (the other may still decline it, or it expires); the booking did not move.
      throw overlapConflict(err) ?? err;
    }
  }
}
