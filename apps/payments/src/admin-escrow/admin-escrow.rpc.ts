import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CURRENCIES,
  paymentsRpc,
  type BookingPaymentView,
  type EscrowStats,
} from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { bookingPaymentView } from '../get-booking-payment/booking-payment-view';
import { ProcessRefunds } from '../process-refunds/process-refunds';
import { requireRole } from '../shared/access';
import { inTransaction, minor } from '../shared/db';
import { EscrowTransitions, type SettleAction } from '../shared/escrow-transitions';
import { lockBookingIfKnown } from '../stores/booking.store';
import { escrowTotalsByStatus, lockEscrowByBooking } from '../stores/escrow.store';

type Bucket = keyof Omit<EscrowStats, 'asOf'>;
const BUCKET_OF_STATUS: Record<string, Bucket> = {
  held: 'held',
  release_scheduled: 'releaseScheduled',
  frozen: 'frozen',
  released: 'released',
  refunded: 'refunded',
};

@Injectable()
/** An operator's view of escrows and manual settlement (release now, refund all or a share). */
export class AdminEscrowRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly escrows: EscrowTransitions,
    private readonly refunds: ProcessRefunds,
  ) {}

  /** Counts and amounts (the escrow's full amount) by status and currency, plus what is due now. */
  @OnRpc(paymentsRpc.adminEscrowStats)
  async stats({ actor }: RpcContext<typeof paymentsRpc.adminEscrowStats>): Promise<EscrowStats> {
    requireRole(actor, 'admin', 'admin.forbidden_role');
    const now = this.clock.now();
    const grouped = await escrowTotalsByStatus(this.ds, now);
    const empty = () => Object.fromEntries(CURRENCIES.map((c) => [c, { count: 0, amountMinor: 0 }])) as EscrowStats['held'];
    const stats: EscrowStats = {
      asOf: now.toISOString(),
      held: empty(),
      releaseScheduled: empty(),
      frozen: empty(),
      released: empty(),
      refunded: empty(),
      dueNow: empty(),
    };
    for (const g of grouped) {
      const bucket = g.status === 'due_now' ? 'dueNow' : BUCKET_OF_STATUS[g.status];
      if (bucket) stats[bucket][g.currency] = { count: g.n, amountMinor: minor(g.total) };
    }
    return stats;
  }

  /** Manual release now (also `POST /api/sessions/:bookingId/release-escrow`). */
  @OnRpc(paymentsRpc.adminRelease)
  async release({ actor, data: input }: RpcContext<typeof paymentsRpc.adminRelease>): Promise<BookingPaymentView> {
    const admin = requireRole(actor, 'admin', 'admin.forbidden_role');
    await this.settle(input.bookingId, 'release', 0, input.reason ? `admin_release: ${input.reason}` : 'admin_release', admin.userId);
    return bookingPaymentView(this.ds, input.bookingId);
  }

  /** Manual refund: everything by default, or a share (the rest released to the tutor less the fee). */
  @OnRpc(paymentsRpc.adminRefund)
  async refund({ actor, data: input }: RpcContext<typeof paymentsRpc.adminRefund>): Promise<BookingPaymentView> {
    const admin = requireRole(actor, 'admin', 'admin.forbidden_role');
    const bps = input.refundBasisPoints ?? 10000;
    await this.settle(input.bookingId, 'split', bps, input.reason ? `admin_refund: ${input.reason}` : 'admin_refund', admin.userId);
    this.refunds.kickSoon();
    return bookingPaymentView(this.ds, input.bookingId);
  }

  private async settle(bookingId: string, action: SettleAction, bps: number, reason: string, adminId: string): Promise<void> {
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
