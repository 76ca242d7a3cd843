import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { ProcessRefunds } from '../process-refunds/process-refunds';
import { minor } from '../shared/db';
import { EscrowTransitions, settleThenRefundSoon, type SettleInput } from '../shared/escrow-transitions';
import { lockBookingIfKnown } from '../stores/booking.store';
import { lockEscrowByBooking } from '../stores/escrow.store';

/**
 * A dispute freezes the escrow, and its resolution settles it. Driven by `dispute-escrow.events.ts`,
 * in the consumer's transaction (`em`, with the inbox insert); every change goes through the escrow
 * state machine; lock order booking row, then escrow.
 */
@Injectable()
export class DisputeEscrow {
  constructor(
    private readonly clock: Clock,
    private readonly escrows: EscrowTransitions,
    private readonly refunds: ProcessRefunds,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * The dispute freezes the escrow if its money is still there, and says so either way: bookings
   * lets an admin resolve only a dispute whose freeze payments confirmed, and closes one whose
   * freeze came too late (the release won the race) with that outcome, telling the student. So
   * bookings never shows a money outcome that payments did not carry out.
   */
  async freeze(em: EntityManager, d: EventDataOf<'bookings.dispute.opened.v1'>): Promise<void> {
    await lockBookingIfKnown(em, d.bookingId);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    const detail = { disputeId: d.disputeId };
    const parties = { bookingId: d.bookingId, studentId: d.studentId, tutorId: d.tutorId, disputeId: d.disputeId };
    if (!escrow) {
      await this.escrows.ignoreWithoutEscrow(em, d.bookingId, 'freeze', 'bookings.dispute.opened', detail);
      await this.outbox.add(em, 'payments.escrow.freeze_rejected.v1', { ...parties, escrowId: null, escrowStatus: 'none', reason: 'no_escrow' });
      return;
    }
    if (escrow.status === 'frozen') {
      // The same dispute again (a redelivery under a new id): it is frozen, and bookings was told.
      await this.escrows.ignore(em, escrow, 'freeze', 'bookings.dispute.opened', detail);
      return;
    }
    // Already released (the release won the race with the dispute) or refunded: the money has
    // left escrow and may already be withdrawn; taking it back would mean a negative wallet.
    if (escrow.status === 'released' || escrow.status === 'refunded') {
      await this.escrows.ignore(em, escrow, 'freeze', 'bookings.dispute.opened', detail);
      await this.outbox.add(em, 'payments.escrow.freeze_rejected.v1', {
        ...parties,
        escrowId: escrow.id,
        escrowStatus: escrow.status,
        reason: escrow.status === 'released' ? 'already_released' : 'already_refunded',
      });
      return;
    }
    const frozen = await this.escrows.freeze(em, escrow, this.clock.now(), 'bookings.dispute.opened', detail);
    if (frozen) {
      await this.outbox.add(em, 'payments.escrow.frozen.v1', {
        ...parties,
        escrowId: escrow.id,
        amount: { amountMinor: minor(escrow.amount_minor), currency: escrow.currency },
      });
    }
  }

  /** Settles a frozen escrow as the dispute's resolution says: release, refund or split. */
  async resolve(em: EntityManager, d: EventDataOf<'bookings.dispute.resolved.v1'>): Promise<void> {
    await lockBookingIfKnown(em, d.bookingId);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    const source = 'bookings.dispute.resolved';
    if (!escrow) {
      await this.escrows.ignoreWithoutEscrow(em, d.bookingId, `resolve:${d.outcome}`, source, { disputeId: d.disputeId });
      return;
    }
    // Bookings resolves only a dispute whose freeze we confirmed, so the escrow is frozen; any
    // other state (a replay after settlement) is recorded and ignored, never settled from here.
    if (escrow.status !== 'frozen') {
      await this.escrows.ignore(em, escrow, `resolve:${d.outcome}`, source, { disputeId: d.disputeId, reason: 'escrow not frozen' });
      return;
    }
    const now = this.clock.now();
    const settlement: SettleInput =
      d.outcome === 'release'
        ? { action: 'release', refundBps: 0, reason: 'dispute_release', now, source }
        : d.outcome === 'refund'
          ? { action: 'refund', refundBps: 10000, reason: 'dispute_refund', now, source }
          : { action: 'split', refundBps: d.refundBasisPoints, reason: 'dispute_split', now, source };
    await settleThenRefundSoon(this.escrows, this.refunds, em, escrow, settlement);
  }
}
