import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, DisputeResult, OpenDisputeInput } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { openDispute } from '../domain/dispute-rules';
import { bookingNotFound } from '../shared/access';
import { BookingStore, parties } from '../stores/booking.store';
import { DisputeStore } from '../stores/dispute.store';

const alreadyEnded = () =>
  new AppError(409, 'dispute.already_resolved', 'The dispute about this lesson has ended; it cannot be reopened.');

/**
 * The student disputes a completed lesson (or a no-show that pays the tutor) while its money is
 * still in escrow; payments freezes the release on `dispute.opened` and answers `escrow.frozen`,
 * or `escrow.freeze_rejected` when the money had already left (apply-escrow-events/). An admin
 * then resolves it (resolve-dispute/). One dispute per booking: once it has ended, the decision stands.
 */
@Injectable()
export class OpenDispute {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
  ) {}

  async open(student: Actor, input: OpenDisputeInput): Promise<DisputeResult> {
    return this.ds.transaction(async (em) => {
      const booking = await this.store.lock(em, input.bookingId);
      if (!booking || booking.studentId !== student.userId) throw bookingNotFound();
      const previous = await DisputeStore.findByBooking(em, booking.id);
      if (previous && previous.status !== 'open') throw alreadyEnded();
      openDispute({ bookingStatus: booking.status, escrowStatus: booking.moneyStatus, actorRole: student.role, absentParty: booking.absentParty });
      const statusBefore = booking.status === 'no_show' ? 'no_show' : 'completed';
      // The money status stays what payments last told us: `frozen` only once it confirms.
      const disputed = await this.store.transition(em, booking, 'open_dispute');
      const id = randomUUID();
      await DisputeStore.insertOpen(em, { id, bookingId: booking.id, openedBy: student.userId, reason: input.reason, openedAt: this.clock.now(), statusBefore });
      await this.outbox.add(em, 'bookings.dispute.opened.v1', { disputeId: id, ...parties(disputed), reason: input.reason });
      return DisputeStore.result(em, this.store, id, booking.id);
    });
  }
}
