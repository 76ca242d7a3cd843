import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError, Clock } from '@tutorhub/platform';
import { inTransaction } from '../shared/db';
import { EscrowTransitions } from '../shared/escrow-transitions';
import { lockBookingIfKnown } from '../stores/booking.store';
import { lockEscrowByBooking } from '../stores/escrow.store';

/**
 * "The lesson was fine, pay the tutor now" (docs/design.md §3, issue 16): the student of a lesson that
 * took place releases its escrow at once instead of after ESCROW_RELEASE_DELAY_HOURS, with reason
 * `student_approved`. Decided from payments' own facts: the escrow is the caller's (student_id),
 * and it is `release_scheduled` — the session ended with the tutor there and nothing froze it.
 * Releasing ends the dispute window (bookings sees `escrow.released`).
 */
@Injectable()
export class ReleaseEarly {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly escrows: EscrowTransitions,
  ) {}

  async release(studentId: string, bookingId: string): Promise<void> {
    await inTransaction(this.ds, async (em) => {
      await lockBookingIfKnown(em, bookingId);
      const escrow = await lockEscrowByBooking(em, bookingId);
      if (!escrow || escrow.student_id !== studentId) {
        throw new AppError(404, 'escrow.not_found', 'This booking has no payment of yours held in escrow.');
      }
      const details = { status: escrow.status };
      switch (escrow.status) {
        case 'held':
          throw new AppError(409, 'escrow.lesson_not_ended', 'The payment can be released once the lesson has ended.', details);
        case 'frozen':
          throw new AppError(409, 'escrow.frozen_by_dispute', 'A dispute holds this payment; an administrator will resolve it.', details);
        case 'released':
        case 'refunded':
          throw new AppError(409, 'escrow.already_settled', `The payment has already been ${escrow.status}.`, details);
        case 'release_scheduled':
          await this.escrows.settle(em, escrow, {
            action: 'release',
            refundBps: 0,
            reason: 'student_approved',
            now: this.clock.now(),
            source: `student:${studentId}`,
          });
      }
    });
  }
}
