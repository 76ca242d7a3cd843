import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { bookingsRpc, type Actor, type RescheduleResult } from '@tutorhub/contracts';
import { OnRpc, OutboxService, type RpcContext } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { BookableTime } from '../availability/bookable-time';
import { assertCanAnswer, assertNewTime, assertReschedulable, proposalExpiresAt } from '../domain/reschedule-rules';
import { bookingNotFound, partyOf, requireRole } from '../shared/access';
import { BookingPolicies } from '../shared/booking-policies';
import { BookingStore, overlapConflict, parties, type BookingRecord } from '../stores/booking.store';
import { RescheduleStore, toProposal, type ProposalRecord } from './reschedule.store';

/**
 * Moving a lesson (docs/design.md §3): either participant proposes a new start (same duration), the other
 * accepts or declines. Accepting moves the booking in one transaction under the booking's row
 * lock; the database's no-overlap constraints decide whether the new slot is still free (two
 * proposals racing for one slot: exactly one wins, the other is a 409). Reschedule never moves
 * money: payments, sessions and notifications follow `booking.rescheduled`, ordered by its
 * `slotSequence`.
 */
@Injectable()
export class RescheduleRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly bookings: BookingStore,
    private readonly proposals: RescheduleStore,
    private readonly policies: BookingPolicies,
    private readonly availability: BookableTime,
  ) {}

  @OnRpc(bookingsRpc.reschedulePropose)
  async propose({ actor, data: input }: RpcContext<typeof bookingsRpc.reschedulePropose>): Promise<RescheduleResult> {
    const caller = requireRole(actor, ['student', 'tutor']);
    return this.ds.transaction(async (em) => {
      const booking = await this.lockOwn(em, caller, input.bookingId);
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
        ...this.proposalFacts(booking, proposal),
        currentStartsAt: booking.startsAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
      });
      return this.result(em, proposal, booking.id);
    });
  }

  @OnRpc(bookingsRpc.rescheduleAccept)
  async accept({ actor, data: { bookingId } }: RpcContext<typeof bookingsRpc.rescheduleAccept>): Promise<RescheduleResult> {
    const caller = requireRole(actor, ['student', 'tutor']);
    try {
      return await this.ds.transaction(async (em) => {
        const booking = await this.lockOwn(em, caller, bookingId);
        const now = this.clock.now();
        const proposal = await this.answerable(em, booking, caller, now);
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
        return this.result(em, accepted, booking.id);
      });
    } catch (err) {
      // The slot was taken after the proposal was made: the constraint decided. The proposal
      // stays open (the other may still decline it, or it expires); the booking did not move.
      throw overlapConflict(err) ?? err;
    }
  }

  @OnRpc(bookingsRpc.rescheduleDecline)
  async decline({ actor, data: { bookingId } }: RpcContext<typeof bookingsRpc.rescheduleDecline>): Promise<RescheduleResult> {
    const caller = requireRole(actor, ['student', 'tutor']);
    return this.ds.transaction(async (em) => {
      const booking = await this.lockOwn(em, caller, bookingId);
      const proposal = await this.answerable(em, booking, caller, this.clock.now());
      const declined = await this.proposals.decide(em, proposal.id, 'declined', caller.userId, this.clock.now());
      await this.outbox.add(em, 'bookings.reschedule.declined.v1', { ...this.proposalFacts(booking, declined), declinedBy: caller.userId });
      return this.result(em, declined, booking.id);
    });
  }

  /** The booking, locked, if the caller is its student or tutor; 404 otherwise (as for any booking they may not see). */
  private async lockOwn(em: EntityManager, caller: Actor, bookingId: string): Promise<BookingRecord> {
    const booking = await this.bookings.lock(em, bookingId);
    if (!booking || partyOf(caller, booking) === null) throw bookingNotFound();
    return booking;
  }

  private async answerable(em: EntityManager, booking: BookingRecord, caller: Actor, now: Date): Promise<ProposalRecord> {
    const open = await this.proposals.lockOpen(em, booking.id);
    // With no open proposal, say what became of the latest one (accepted, declined, expired…).
    assertCanAnswer({ proposal: open ?? (await this.proposals.latest(em, booking.id)), answeredBy: caller.userId, now });
    return open as ProposalRecord;
  }

  private proposalFacts(booking: BookingRecord, p: ProposalRecord) {
    return { proposalId: p.id, ...parties(booking), proposedBy: p.proposedBy, startsAt: p.startsAt.toISOString(), endsAt: p.endsAt.toISOString() };
  }

  private async result(em: EntityManager, proposal: ProposalRecord, bookingId: string): Promise<RescheduleResult> {
    const booking = await this.bookings.view(em, bookingId);
    if (!booking) throw new Error(`booking ${bookingId} vanished inside its own transaction`);
    return { proposal: toProposal(proposal), booking };
  }
}
