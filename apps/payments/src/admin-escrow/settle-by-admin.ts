import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError, Clock } from '@tutorhub/platform';
import { inTransaction } from '../shared/db';
import { EscrowTransitions, type SettleAction } from '../shared/escrow-transitions';
import { lockBookingIfKnown } from '../stores/booking.store';
import { lockEscrowByBooking } from '../stores/escrow.store';

/** An admin settles a booking's escrow by hand (release now, refund all or a share). */
@Injectable()
export class SettleByAdmin {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly escrows: EscrowTransitions,
  ) {}

  async settle(bookingId: string, action: SettleAction, bps: number, reason: string, adminId: string): Promise<void> {
    await inTransaction(this.ds, async (em) => {
      await lockBookingIfKnown(em, bookingId);
      const escrow = await lockEscrowByBooking(em, bookingId);
      if (!escrow) throw new AppError(404, 'escrow.not_found', 'This booking has no escrow.');
      // A frozen escrow belongs to its dispute: settling it here would leave the dispute's
      // resolution with nothing to move, and bookings showing an outcome nobody carried out.
      if (escrow.status === 'frozen') {
        throw new AppError(409, 'escrow.frozen_by_dispute', 'A dispute holds this escrow; resolve the dispute instead.', { status: escrow.status });
      }
      if (!this.escrows.canSettle(escrow, action, bps)) {
        throw new AppError(409, 'escrow.invalid_transition', `The escrow is ${escrow.status}; it cannot be settled again.`, {
          status: escrow.status,
        });
      }
      await this.escrows.settle(em, escrow, { action, refundBps: bps, reason: reason.slice(0, 500), now: this.clock.now(), source: `admin:${adminId}` });
    });
  }
}
