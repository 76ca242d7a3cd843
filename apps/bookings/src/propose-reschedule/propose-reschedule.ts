import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, bookingsRpc, RescheduleResult, RpcData } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { assertNewTime, assertReschedulable, proposalExpiresAt } from '../domain/reschedule-rules';
import { BookableTime } from '../shared/bookable-time';
import { BookingPolicies } from '../shared/booking-policies';
import { proposalFacts, rescheduleResult } from '../shared/reschedule-proposals';
import { BookingStore } from '../stores/booking.store';
import { RescheduleStore } from '../stores/reschedule.store';

/**
 * Moving a lesson (docs/design.md §3): either participant proposes a new start (same duration),
 * the other accepts (accept-reschedule/) or declines (decline-reschedule/). A new proposal
 * replaces an open one. Reschedule never moves money: payments, sessions and notifications
 * follow `booking.rescheduled`, ordered by its `slotSequence`.
 */
@Injectable()
export class ProposeReschedule {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly bookings: BookingStore,
    private readonly proposals: RescheduleStore,
    private readonly policies: BookingPolicies,
    private readonly availability: BookableTime,
  ) {}

  async propose(caller: Actor, input: RpcData<typeof bookingsRpc.reschedulePropose>): Promise<RescheduleResult> {
    return this.ds.transaction(async (em) => {
      const booking = await this.bookings.lockOwnParticipantBooking(em, caller, input.bookingId);
      const now = this.clock.now();
      assertReschedulable({ status: booking.status, startsAt: booking.startsAt, now }, this.policies.reschedule);
      const proposed = new Date(input.startsAt);
      assertNewTime(booking.startsAt, proposed);
      // The new time must be bookable as a new request would be: notice, how far ahead.
      const { startsAt, endsAt } = this.policies.rules.validateNewBooking({ startsAt: proposed, durationMinutes: booking.durationMinutes, now });
      // … inside the tutor's hours, outside their time off, not too close to another lesson …
      await this.availability.assertBookable(em, booking.tutorId, startsAt, endsAt, { excludeBookingId: booking.id });
      // … and free now (an early answer; at acceptance the database's constraint decides).
      if (await this.proposals.tutorBusy(em, booking.tutorId, booking.id, startsAt, endsAt)) {
        throw new AppError(409, 'booking.slot_taken', 'The tutor is not free at that time.');
      }
      await this.proposals.supersede(em, booking.id, now);
      const expiresAt = proposalExpiresAt(
        { now, currentStartsAt: booking.startsAt, newStartsAt: startsAt, bookingNoticeMinutes: this.policies.rules.config.minNoticeMinutes },
        this.policies.reschedule,
      );
      const proposal = await this.proposals.insert(em, {
        id: randomUUID(),
        bookingId: booking.id,
        proposedBy: caller.userId,
        startsAt,
        endsAt,
        expiresAt,
        createdAt: now,
      });
      await this.outbox.add(em, 'bookings.reschedule.proposed.v1', {
        ...proposalFacts(booking, proposal),
        currentStartsAt: booking.startsAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
      });
      return rescheduleResult(this.bookings, em, proposal, booking.id);
    });
  }
}
