import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, RescheduleResult } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { answerableProposal, proposalFacts, rescheduleResult } from '../shared/reschedule-proposals';
import { BookingStore } from '../stores/booking.store';
import { RescheduleStore } from '../stores/reschedule.store';

/** The other participant declines the open proposal: the booking stays where it was. */
@Injectable()
export class DeclineReschedule {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly bookings: BookingStore,
    private readonly proposals: RescheduleStore,
  ) {}

  async decline(caller: Actor, bookingId: string): Promise<RescheduleResult> {
    return this.ds.transaction(async (em) => {
      const booking = await this.bookings.lockOwnParticipantBooking(em, caller, bookingId);
      const proposal = await answerableProposal(this.proposals, em, booking, caller, this.clock.now());
      const declined = await this.proposals.decide(em, proposal.id, 'declined', caller.userId, this.clock.now());
      await this.outbox.add(em, 'bookings.reschedule.declined.v1', { ...proposalFacts(booking, declined), declinedBy: caller.userId });
      return rescheduleResult(this.bookings, em, declined, booking.id);
    });
  }
}
