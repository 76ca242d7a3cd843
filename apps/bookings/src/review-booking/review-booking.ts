import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, Review, ReviewBookingInput, ReviewResult } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { PG, pgCode } from '@tutorhub/persistence';
import { AppError, Clock } from '@tutorhub/platform';
import { assertCanReview, validateReview } from '../domain/review-rules';
import { bookingNotFound, partyOf } from '../shared/access';
import { BookingStore, parties } from '../stores/booking.store';
import { ReviewStore } from '../stores/review.store';
import { TutorProfileStore } from '../stores/tutor-profile.store';

/**
 * Each party reviews a completed lesson once. The student's review rates the tutor and updates
 * the profile's running sum and count in the same transaction; the tutor's review of the student
 * is kept (and announced) but feeds no public rating.
 */
@Injectable()
export class ReviewBooking {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
  ) {}

  async review(caller: Actor, input: ReviewBookingInput): Promise<ReviewResult> {
    try {
      return await this.ds.transaction(async (em) => {
        const booking = await this.store.lock(em, input.bookingId);
        const reviewer = booking ? partyOf(caller, booking) : null;
        if (!booking || !reviewer) throw bookingNotFound();
        const { rating, comment } = validateReview({ rating: input.rating, comment: input.comment });
        const existingReviewers = await ReviewStore.reviewers(em, booking.id);
        assertCanReview({ bookingStatus: booking.status, reviewer, existingReviewers });
        const review: Review = {
          id: randomUUID(),
          bookingId: booking.id,
          authorId: caller.userId,
          authorRole: reviewer,
          revieweeId: reviewer === 'student' ? booking.tutorId : booking.studentId,
          rating,
          comment,
          createdAt: this.clock.now().toISOString(),
        };
        await ReviewStore.insert(em, review);
        if (reviewer === 'student') await TutorProfileStore.addRating(em, booking.tutorId, rating);
        await this.outbox.add(em, 'bookings.review.submitted.v1', {
          reviewId: review.id,
          ...parties(booking),
          authorId: review.authorId,
          revieweeId: review.revieweeId,
          rating,
        });
        const view = await this.store.view(em, booking.id);
        if (!view) throw new Error('booking vanished inside its own transaction');
        return { review, booking: view };
      });
    } catch (err) {
      // Backstop for the unique (booking, author) constraint; the row lock normally answers first.
      if (pgCode(err) === PG.uniqueViolation) throw new AppError(409, 'review.already_submitted', 'You have already reviewed this lesson.');
      throw err;
    }
  }
}
