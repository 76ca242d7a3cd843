import type { EntityManager } from 'typeorm';
import type { Actor, RescheduleResult } from '@tutorhub/contracts';
import { assertCanAnswer } from '../domain/reschedule-rules';
import { parties, type BookingRecord, type BookingStore } from '../stores/booking.store';
import { toProposal, type ProposalRecord, type RescheduleStore } from '../stores/reschedule.store';

// The pieces propose-, accept- and decline-reschedule (and the proposal expiry job) share
// (docs/design.md §3, ADR 0010).

/** The booking's open proposal, locked, if the caller may answer it (the rules: domain/reschedule-rules.ts). */
export async function answerableProposal(
  proposals: RescheduleStore,
  em: EntityManager,
  booking: BookingRecord,
  caller: Actor,
  now: Date,
): Promise<ProposalRecord> {
  const open = await proposals.lockOpen(em, booking.id);
  // With no open proposal, say what became of the latest one (accepted, declined, expired…).
  assertCanAnswer({ proposal: open ?? (await proposals.latest(em, booking.id)), answeredBy: caller.userId, now });
  return open as ProposalRecord;
}

/** What every `bookings.reschedule.*` event says about the proposal (the expiry job's too). */
export function proposalFacts(booking: Pick<BookingRecord, 'id' | 'studentId' | 'tutorId'>, p: ProposalRecord) {
  return { proposalId: p.id, ...parties(booking), proposedBy: p.proposedBy, startsAt: p.startsAt.toISOString(), endsAt: p.endsAt.toISOString() };
}

/** The answer of the three calls: the proposal and the booking as they are now, in the same transaction. */
export async function rescheduleResult(bookings: BookingStore, em: EntityManager, proposal: ProposalRecord, bookingId: string): Promise<RescheduleResult> {
  return { proposal: toProposal(proposal), booking: await bookings.viewInTransaction(em, bookingId) };
}
