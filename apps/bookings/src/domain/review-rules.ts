import type { BookingStatus } from './booking-status';
import { DomainError } from './domain-error';

export const MIN_RATING = 1;
export const MAX_RATING = 5;
export const MAX_COMMENT_LENGTH = 2000;

/** The student reviews the tutor (this feeds the tutor's rating); the tutor reviews the student. */
export type ReviewerRole = 'student' | 'tutor';

export interface ValidReview {
  readonly rating: number;
  /** Trimmed; null when absent or blank. */
  readonly comment: string | null;
}

/**
 * Checks and normalises a review's content. The comment limit counts Unicode code points,
 * not UTF-16 units, so an emoji costs one character like any letter of Amharic or English.
 */
export function validateReview(input: { rating: number; comment?: string | null }): ValidReview {
  const { rating } = input;
  if (!Number.isInteger(rating) || rating < MIN_RATING || rating > MAX_RATING) {
    throw new DomainError('review.invalid_rating', `rating must be a whole number from ${MIN_RATING} to ${MAX_RATING}`, 422, {
      rating,
    });
  }
  const trimmed = (input.comment ?? '').trim();
  const length = [...trimmed].length;
  if (length > MAX_COMMENT_LENGTH) {
    throw new DomainError('review.comment_too_long', `comment must be at most ${MAX_COMMENT_LENGTH} characters`, 422, {
      length,
      max: MAX_COMMENT_LENGTH,
    });
  }
  return { rating, comment: trimmed === '' ? null : trimmed };
}

/**
 * A participant may review a booking once, and only once the lesson is `completed`. A disputed
 * booking returns to `completed` when the dispute is resolved (booking-status.ts), so reviews
 * open again then; while the dispute is open they wait, so that a review is not used as a
 * lever in the dispute.
 */
export function assertCanReview(input: {
  bookingStatus: BookingStatus;
  reviewer: ReviewerRole;
  existingReviewers: readonly ReviewerRole[];
}): void {
  const { bookingStatus, reviewer, existingReviewers } = input;
  if (bookingStatus !== 'completed') {
    throw new DomainError('review.not_allowed', `Only a completed lesson can be reviewed; this booking is ${bookingStatus.replace('_', ' ')}.`, 409, { bookingStatus });
  }
  if (existingReviewers.includes(reviewer)) {
    throw new DomainError('review.already_submitted', `the ${reviewer} has already reviewed this booking`, 409, { reviewer });
  }
}
