import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, DisputeResult, ResolveDisputeInput } from '@tutorhub/contracts';
import { OutboxService, ReadYourWrites } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { endDisputeAction, resolveDispute, validateDisputeResolution } from '../domain/dispute-rules';
import { bookingNotFound, disputeNotFound } from '../shared/access';
import { BookingStore, parties } from '../stores/booking.store';
import { DisputeStore } from '../stores/dispute.store';

/**
 * An admin resolves a dispute whose escrow payments has frozen (release, refund, or split);
 * payments moves the money on `dispute.resolved`. The booking returns to its status before the dispute.
 */
@Injectable()
export class ResolveDispute {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async resolve(admin: Actor, input: ResolveDisputeInput): Promise<DisputeResult> {
    // Resolving needs payments' confirmation of the freeze: wait for it, bounded (read-your-writes).
    const awaitingFreeze = await DisputeStore.bookingAwaitingFreeze(this.ds.manager, input.disputeId);
    if (awaitingFreeze) {
      await this.readYourWrites.await(awaitingFreeze, () => DisputeStore.freezeSettled(this.ds.manager, input.disputeId));
    }
    return this.ds.transaction(async (em) => {
      const bookingId = await DisputeStore.bookingIdOf(em, input.disputeId);
      if (!bookingId) throw disputeNotFound();
      // Booking first, then the dispute: the same lock order as opening one.
      const booking = await this.store.lock(em, bookingId);
      if (!booking) throw bookingNotFound();
      const dispute = await DisputeStore.lock(em, input.disputeId);
      if (!dispute) throw disputeNotFound();
      const resolution = validateDisputeResolution({ outcome: input.outcome, refundBps: input.refundBasisPoints });
      resolveDispute({
        bookingStatus: booking.status,
        actorRole: admin.role,
        dispute: { status: dispute.status, frozen: dispute.frozen_at !== null, statusBefore: dispute.booking_status_before },
      });
      const resolved = await this.store.transition(em, booking, endDisputeAction(dispute.booking_status_before, 'resolve'));
      const note = input.note ? input.note : null;
      await DisputeStore.markResolved(em, input.disputeId, {
        outcome: resolution.outcome,
        refundBps: resolution.refundBps,
        note,
        resolvedBy: admin.userId,
        resolvedAt: this.clock.now(),
      });
      await this.outbox.add(em, 'bookings.dispute.resolved.v1', {
        disputeId: input.disputeId,
        ...parties(resolved),
        outcome: resolution.outcome,
        refundBasisPoints: resolution.refundBps,
        resolvedBy: admin.userId,
      });
      return DisputeStore.result(em, this.store, input.disputeId, booking.id);
    });
  }
}
