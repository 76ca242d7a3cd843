import type { BookingStatus } from './booking-status';
import { DomainError } from './domain-error';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** A lesson can be moved while it has not taken place and is still live (docs/design.md §3). */
export const RESCHEDULABLE: readonly BookingStatus[] = ['requested', 'accepted', 'confirmed'];

export interface RescheduleConfig {
  /** RESCHEDULE_MIN_NOTICE_HOURS: no proposal, and no answer, closer than this to the current start. */
  readonly minNoticeHours: number;
  /** How long a proposal stays open at most (it also closes with the notice above). */
  readonly proposalTtlHours: number;
}

export const DEFAULT_RESCHEDULE_CONFIG: RescheduleConfig = { minNoticeHours: 2, proposalTtlHours: 24 };

/** The last moment a booking starting at `startsAt` may still be moved (inclusive). */
export function rescheduleCutoff(startsAt: Date, c: RescheduleConfig): Date {
  return new Date(startsAt.getTime() - c.minNoticeHours * HOUR_MS);
}

/**
 * May this booking be moved now? Its status must be live and not started (409
 * `reschedule.not_allowed`: a lesson that happened or was cancelled stays as it was), and the
 * current start at least RESCHEDULE_MIN_NOTICE_HOURS away (409 `reschedule.too_late`).
 */
export function assertReschedulable(input: { status: BookingStatus; startsAt: Date; now: Date }, c: RescheduleConfig): void {
  if (!RESCHEDULABLE.includes(input.status)) {
    throw new DomainError('reschedule.not_allowed', `A ${input.status.replace('_', ' ')} booking cannot be rescheduled.`, 409, { status: input.status });
  }
  const cutoff = rescheduleCutoff(input.startsAt, c);
  if (input.now.getTime() > cutoff.getTime()) {
    throw new DomainError('reschedule.too_late', `A lesson can be moved until ${c.minNoticeHours} h before it starts.`, 409, {
      cutoff: cutoff.toISOString(),
    });
  }
}

/**
 * When a proposal made now closes unanswered: after `proposalTtlHours`, and never later than the
 * current lesson's reschedule cutoff, nor than the latest moment the new time could still be
 * booked (its start minus the booking notice).
 */
export function proposalExpiresAt(
  input: { now: Date; currentStartsAt: Date; newStartsAt: Date; bookingNoticeMinutes: number },
  c: RescheduleConfig,
): Date {
  return new Date(
    Math.min(
      input.now.getTime() + c.proposalTtlHours * HOUR_MS,
      rescheduleCutoff(input.currentStartsAt, c).getTime(),
      input.newStartsAt.getTime() - input.bookingNoticeMinutes * MINUTE_MS,
    ),
  );
}

/** The proposed time must differ from the current one. */
export function assertNewTime(current: Date, proposed: Date): void {
  if (current.getTime() === proposed.getTime()) {
    throw new DomainError('reschedule.same_time', 'The lesson already starts at that time.', 422, { startsAt: proposed.toISOString() });
  }
}

export type ProposalStatus = 'proposed' | 'accepted' | 'declined' | 'expired' | 'superseded' | 'withdrawn';

/**
 * Only the other participant answers a proposal (403 `reschedule.not_yours`), only an open one
 * (409 `reschedule.not_open`, or 404 when there is none), and only before it expires (409
 * `reschedule.expired`; the expiry job records that shortly).
 */
export function assertCanAnswer(input: { proposal: { status: ProposalStatus; proposedBy: string; expiresAt: Date } | null; answeredBy: string; now: Date }): void {
  const { proposal } = input;
  if (!proposal) throw new DomainError('reschedule.not_found', 'There is no proposed new time for this booking.', 404);
  if (proposal.status !== 'proposed') {
    throw new DomainError('reschedule.not_open', `The proposed new time was already ${proposal.status}.`, 409, { status: proposal.status });
  }
  if (proposal.proposedBy === input.answeredBy) {
    throw new DomainError('reschedule.not_yours', 'The other participant answers a proposed new time; you may propose another.', 403);
  }
  if (input.now.getTime() >= proposal.expiresAt.getTime()) {
    throw new DomainError('reschedule.expired', 'The proposed new time has expired; propose it again.', 409, { expiresAt: proposal.expiresAt.toISOString() });
  }
}
