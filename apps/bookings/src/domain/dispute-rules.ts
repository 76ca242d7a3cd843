import { disputeOutcomeSchema, type Role } from '@tutorhub/contracts';
import { transition, type BookingStatus } from './booking-status';
import { DomainError } from './domain-error';
import { BPS_SCALE } from './money';
import type { MoneyStatus } from './money-status';

/**
 * The escrow states as bookings knows them from payments' events (payments owns the machine),
 * see money-status.ts. Bookings' read model may lag: it may still say `held` when payments has
 * scheduled the release.
 */
export type EscrowMoneyStatus = MoneyStatus;

export type ActorRole = Role;

/**
 * Returns the booking's next status (`disputed`) or throws.
 *
 * The student may open a dispute from the end of the session until the escrow is released
 * (docs/design.md §3): the booking must be `completed`, or a `no_show` in which the student was the
 * absent party (the tutor is being paid: the student may say they were there), and its money
 * still in escrow (`held` or `release_scheduled`). Once released or refunded there is nothing
 * left to freeze.
 *
 * Bookings checks against its read model; payments may still have released the escrow in the
 * meantime. Payments then answers `escrow.freeze_rejected` and the dispute is closed with the
 * outcome the money had: it is never resolved on paper only.
 */
export function openDispute(input: {
  bookingStatus: BookingStatus;
  escrowStatus: EscrowMoneyStatus;
  actorRole: ActorRole;
  absentParty?: 'student' | 'tutor' | 'both' | null;
}): BookingStatus {
  const { bookingStatus, escrowStatus, actorRole } = input;
  if (actorRole !== 'student') {
    throw new DomainError('dispute.forbidden', 'only the student may open a dispute', 403, { actorRole });
  }
  if (bookingStatus === 'disputed' || escrowStatus === 'frozen') {
    throw new DomainError('dispute.already_open', 'a dispute is already open for this booking', 409, {
      bookingStatus,
      escrowStatus,
    });
  }
  const paidNoShow = bookingStatus === 'no_show' && input.absentParty === 'student';
  if (bookingStatus !== 'completed' && !paidNoShow) {
    const what = bookingStatus === 'no_show' ? 'refunded no-show' : bookingStatus;
    throw new DomainError('dispute.not_allowed', `a ${what} booking cannot be disputed`, 409, { bookingStatus });
  }
  if (escrowStatus === 'unpaid') {
    // Unreachable through the state machine (completed implies paid); refused rather than assumed.
    throw new DomainError('dispute.not_allowed', 'there is no payment to dispute', 409, { escrowStatus });
  }
  if (escrowStatus !== 'held' && escrowStatus !== 'release_scheduled') {
    const what = escrowStatus === 'partially_refunded' ? 'partially refunded and released' : escrowStatus;
    throw new DomainError('dispute.window_closed', `the payment has already been ${what}`, 409, { escrowStatus });
  }
  return transition(bookingStatus, 'open_dispute');
}

/** Same list as the `dispute.resolved` event's `outcome`. */
export const DISPUTE_OUTCOMES = disputeOutcomeSchema.options;
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];

/** An admin's decision; `refundBps` is the student's share, 0 for release and 10000 for refund. */
export interface DisputeResolution {
  readonly outcome: DisputeOutcome;
  readonly refundBps: number;
}

/**
 * Checks an admin's resolution and returns the student's share in basis points, so payments can
 * feed every outcome to one refund split. A split must really split (1–9999); 0 and 10000 are
 * spelled `release` and `refund`, which keeps reports unambiguous.
 */
export function validateDisputeResolution(input: { outcome: string; refundBps?: number }): DisputeResolution {
  switch (input.outcome) {
    case 'release':
    case 'refund':
      if (input.refundBps !== undefined) {
        throw new DomainError('dispute.invalid_resolution', `refundBps is only for a split`, 422, { outcome: input.outcome });
      }
      return { outcome: input.outcome, refundBps: input.outcome === 'refund' ? BPS_SCALE : 0 };
    case 'split':
      if (input.refundBps === undefined) {
        throw new DomainError('dispute.invalid_resolution', 'a split needs refundBps', 422, { outcome: 'split' });
      }
      if (!Number.isInteger(input.refundBps) || input.refundBps < 1 || input.refundBps > BPS_SCALE - 1) {
        throw new DomainError('dispute.invalid_resolution', 'a split refunds 1 to 9999 basis points', 422, {
          refundBps: input.refundBps,
        });
      }
      return { outcome: 'split', refundBps: input.refundBps };
    default:
      throw new DomainError('dispute.invalid_resolution', `outcome must be one of ${DISPUTE_OUTCOMES.join(', ')}`, 422, {
        outcome: input.outcome,
      });
  }
}

/** The action that ends a dispute and returns the booking to what it was before it. */
export function endDisputeAction(statusBefore: 'completed' | 'no_show', how: 'resolve' | 'close'): 'resolve_dispute' | 'close_dispute' | 'restore_no_show' {
  if (statusBefore === 'no_show') return 'restore_no_show';
  return how === 'resolve' ? 'resolve_dispute' : 'close_dispute';
}

/**
 * Only an admin resolves, only an open dispute, and only once payments confirmed the freeze:
 * before that, the money may still be on its way out (the release job racing the dispute), and a
 * resolution would be on paper only. Returns the booking's next status.
 */
export function resolveDispute(input: {
  bookingStatus: BookingStatus;
  actorRole: ActorRole;
  dispute: { status: 'open' | 'resolved' | 'closed'; frozen: boolean; statusBefore: 'completed' | 'no_show' };
}): BookingStatus {
  if (input.actorRole !== 'admin') {
    throw new DomainError('dispute.forbidden', 'only an admin may resolve a dispute', 403, { actorRole: input.actorRole });
  }
  if (input.dispute.status === 'resolved') {
    throw new DomainError('dispute.already_resolved', 'The dispute about this lesson has been resolved; it cannot be reopened.', 409);
  }
  if (input.dispute.status === 'closed') {
    throw new DomainError('dispute.closed', 'The money had already left escrow when the dispute reached it; the dispute is closed.', 409);
  }
  if (!input.dispute.frozen) {
    throw new DomainError('dispute.not_ready', 'Payments has not confirmed the escrow freeze yet; retry shortly.', 409, { retryAfterSeconds: 1 });
  }
  return transition(input.bookingStatus, endDisputeAction(input.dispute.statusBefore, 'resolve'));
}
