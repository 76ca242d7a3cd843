import { DomainError } from './errors';
import { assertBasisPoints, BPS_SCALE } from './money';

const HOUR_MS = 3_600_000;

export const CANCELLERS = ['student', 'tutor', 'admin', 'system'] as const;
export type CancelledBy = (typeof CANCELLERS)[number];

export interface CancellationPolicyConfig {
  /** A student who cancels at least this many hours before the start gets everything back. */
  readonly fullRefundHours: number;
  /** … at least this many hours (but under fullRefundHours) gets partialRefundBps back. */
  readonly partialRefundHours: number;
  readonly partialRefundBps: number;
}

export const DEFAULT_CANCELLATION_POLICY: CancellationPolicyConfig = {
  fullRefundHours: 24,
  partialRefundHours: 2,
  partialRefundBps: 5000,
};

/** Throws `config.invalid` (500) for thresholds that are negative, non-finite or out of order. */
export function assertValidCancellationPolicy(config: CancellationPolicyConfig): void {
  const { fullRefundHours, partialRefundHours } = config;
  if (
    !Number.isFinite(fullRefundHours) ||
    !Number.isFinite(partialRefundHours) ||
    partialRefundHours < 0 ||
    fullRefundHours < partialRefundHours
  ) {
    throw new DomainError(
      'config.invalid',
      'cancellation thresholds must satisfy 0 ≤ partialRefundHours ≤ fullRefundHours',
      500,
      { fullRefundHours, partialRefundHours },
    );
  }
  assertBasisPoints(config.partialRefundBps, 'partialRefundBps');
}

/**
 * Share of the paid price refunded to the student when a booking is cancelled (docs/design.md §3), in
 * basis points (10000 = all). Whatever is not refunded is released to the tutor at once, less
 * the platform fee (payments' refund split).
 *
 * - Cancelled by the tutor, an admin or the system: 10000. The student is never the one who
 *   pays for a cancellation they did not make.
 * - Cancelled by the student, with lead = startsAt − now:
 *   lead ≥ fullRefundHours → 10000; partialRefundHours ≤ lead < fullRefundHours → partialRefundBps;
 *   lead < partialRefundHours (including after the start) → 0.
 *   Both thresholds are inclusive on the student's side: exactly 24 h before is still a full
 *   refund, exactly 2 h before is still the partial one.
 *
 * The policy applies whatever the status; for a booking that was never paid there is simply
 * nothing to refund.
 */
export function refundBasisPoints(
  input: { cancelledBy: CancelledBy; startsAt: Date; now: Date },
  config: CancellationPolicyConfig = DEFAULT_CANCELLATION_POLICY,
): number {
  assertValidCancellationPolicy(config);
  const { cancelledBy, startsAt, now } = input;
  if (!(CANCELLERS as readonly string[]).includes(cancelledBy)) {
    throw new DomainError('booking.invalid_canceller', `unknown canceller ${String(cancelledBy)}`, 400, { cancelledBy });
  }
  if (cancelledBy !== 'student') return BPS_SCALE;

  const leadMs = startsAt.getTime() - now.getTime();
  if (Number.isNaN(leadMs)) {
    throw new DomainError('booking.invalid_time', 'startsAt and now must be valid dates', 400);
  }
  if (leadMs >= config.fullRefundHours * HOUR_MS) return BPS_SCALE;
  if (leadMs >= config.partialRefundHours * HOUR_MS) return config.partialRefundBps;
  return 0;
}

/** What payments (the owner of the money) knows of a cancellation, from bookings' event. */
export interface CancellationFacts {
  readonly cancelledBy: CancelledBy;
  /**
   * The booking's status when it was cancelled, as bookings (its owner) recorded it under the
   * booking's row lock. `confirmed` (or later) means the student had been shown the booking as paid.
   */
  readonly previousStatus: string;
  readonly startsAt: Date;
  readonly cancelledAt: Date;
}

/** Statuses in which the student has been shown the booking as confirmed (paid). */
const SEEN_CONFIRMED = new Set(['confirmed', 'in_progress']);

/**
 * The share of a held payment that goes back to the student when a booking is cancelled
 * (docs/design.md §3): the tiers of `refundBasisPoints` apply only to a booking the student saw as
 * confirmed when cancelling. Money held while the booking still showed `requested` or
 * `accepted` (the student paid, but `escrow.held` had not reached bookings yet) goes back in
 * full: the student cancelled something they did not know was paid.
 *
 * Payments applies this to the facts in `booking.cancelled` (who, from which status, when, the
 * lesson's start); bookings uses the same function only to quote the share in its answer.
 */
export function cancellationRefundBps(facts: CancellationFacts, config: CancellationPolicyConfig = DEFAULT_CANCELLATION_POLICY): number {
  if (facts.cancelledBy !== 'student') return refundBasisPoints({ cancelledBy: facts.cancelledBy, startsAt: facts.startsAt, now: facts.cancelledAt }, config);
  if (!SEEN_CONFIRMED.has(facts.previousStatus)) return BPS_SCALE;
  return refundBasisPoints({ cancelledBy: 'student', startsAt: facts.startsAt, now: facts.cancelledAt }, config);
}
