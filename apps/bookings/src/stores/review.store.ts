import type { EntityManager } from 'typeorm';
import type { Review } from '@tutorhub/contracts';
import type { ReviewerRole } from '../domain/review-rules';

/** The `reviews` table: one per booking and author (UNIQUE (booking_id, author_id)). */
export const ReviewStore = {
  /** Who has reviewed the booking so far. */
  async reviewers(em: EntityManager, bookingId: string): Promise<ReviewerRole[]> {
    const existing: Array<{ author_role: ReviewerRole }> = await em.query(`SELECT author_role FROM bookings.reviews WHERE booking_id = $1`, [bookingId]);
    return existing.map((r) => r.author_role);
  },

  async insert(em: EntityManager, review: Review): Promise<void> {
    await em.query(
      `INSERT INTO bookings.reviews (id, booking_id, author_id, author_role, reviewee_id, rating, comment, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [review.id, review.bookingId, review.authorId, review.authorRole, review.revieweeId, review.rating, review.comment, review.createdAt],
    );
  },
};
