import { BOOKING_STATUSES } from './booking-status';
import { assertCanReview, validateReview } from './review-rules';

describe('validateReview', () => {
  it.each([1, 2, 3, 4, 5])('accepts a rating of %p', (rating) => {
    expect(validateReview({ rating }).rating).toBe(rating);
  });

  it.each([0, 6, 4.5, -1, Number.NaN])('refuses a rating of %p', (rating) => {
    expect(() => validateReview({ rating })).toThrow(expect.objectContaining({ code: 'review.invalid_rating', status: 422 }));
  });

  it('trims the comment and stores a blank one as null', () => {
    expect(validateReview({ rating: 5, comment: '  Great lesson!\n' }).comment).toBe('Great lesson!');
    expect(validateReview({ rating: 5, comment: '   ' }).comment).toBeNull();
    expect(validateReview({ rating: 5, comment: null }).comment).toBeNull();
    expect(validateReview({ rating: 5 }).comment).toBeNull();
  });

  it('allows 2000 characters after trimming, counted as code points, and refuses 2001', () => {
    expect(validateReview({ rating: 4, comment: `  ${'a'.repeat(2000)}  ` }).comment).toHaveLength(2000);
    expect(validateReview({ rating: 4, comment: '😀'.repeat(2000) }).comment).toBe('😀'.repeat(2000));
    expect(() => validateReview({ rating: 4, comment: 'ሀ'.repeat(2001) })).toThrow(
      expect.objectContaining({ code: 'review.comment_too_long', status: 422, details: { length: 2001, max: 2000 } }),
    );
  });
});

describe('assertCanReview', () => {
  it('lets each party review a completed booking once', () => {
    expect(() => assertCanReview({ bookingStatus: 'completed', reviewer: 'student', existingReviewers: [] })).not.toThrow();
    const completed = 'completed' as const;
    expect(() => assertCanReview({ bookingStatus: completed, reviewer: 'tutor', existingReviewers: ['student'] })).not.toThrow();
    expect(() => assertCanReview({ bookingStatus: completed, reviewer: 'student', existingReviewers: ['student'] })).toThrow(
      expect.objectContaining({ code: 'review.already_submitted', status: 409 }),
    );
  });

  it('refuses every status but completed, including an open dispute', () => {
    for (const bookingStatus of BOOKING_STATUSES.filter((s) => s !== 'completed')) {
      expect(() => assertCanReview({ bookingStatus, reviewer: 'student', existingReviewers: [] })).toThrow(
        expect.objectContaining({ code: 'review.not_allowed', status: 409 }),
      );
    }
  });
});
