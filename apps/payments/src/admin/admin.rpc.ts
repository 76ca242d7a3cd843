import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CURRENCIES,
  paymentsRpc,
  type AdminPaymentRefundResult,
  type AdminRefundList,
  type AdminRefundView,
  type BookingPaymentView,
  type EscrowStats,
} from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { EscrowService, type SettleAction } from '../escrow/escrow.service';
import { lockEscrowByBooking } from '../escrow/escrow.store';
import { PaymentService } from '../payments/payment.service';
import { bookingPaymentView, paymentView } from '../payments/payments.rpc';
import { adminRefundView, listRefunds } from '../refunds/refund-admin';
import { RefundProcessor } from '../refunds/refund.processor';
import { requireRole } from '../shared/access';
import { inTransaction, minor, rows } from '../shared/db';

type Bucket = keyof Omit<EscrowStats, 'asOf'>;
const BUCKET_OF_STATUS: Record<string, Bucket> = {
  held: 'held',
  release_scheduled: 'releaseScheduled',
  frozen: 'frozen',
  released: 'released',
  refunded: 'refunded',
};

@Injectable()
export class AdminRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly escrows: EscrowService,
    private readonly refunds: RefundProcessor,
    private readonly payments: PaymentService,
  ) {}

  /** Refunds by status, newest first; by default the ones needing an operator (failed, needs_review). */
  @OnRpc(paymentsRpc.adminRefundsList)
  async listRefunds({ actor, data }: RpcContext<typeof paymentsRpc.adminRefundsList>): Promise<AdminRefundList> {
    requireRole(actor, 'admin', 'admin.forbidden_role');
    return listRefunds(this.ds, data);
  }

  /** Puts a failed (or needs_review) refund back into the refund processor's hands, audited. */
  @OnRpc(paymentsRpc.adminRefundRetry)
  async retryRefund({ actor, data: input }: RpcContext<typeof paymentsRpc.adminRefundRetry>): Promise<AdminRefundView> {
    const admin = requireRole(actor, 'admin', 'admin.forbidden_role');
    return adminRefundView(await this.refunds.retryByAdmin(input.refundId, admin.userId, input.reason ?? null));
  }

  /** Sends a flagged payment's money (held in suspense) back to the payer through Chapa, audited. */
  @OnRpc(paymentsRpc.adminPaymentRefund)
  async refundPayment({ actor, data: input }: RpcContext<typeof paymentsRpc.adminPaymentRefund>): Promise<AdminPaymentRefundResult> {
    const admin = requireRole(actor, 'admin', 'admin.forbidden_role');
    const { payment, refund } = await this.payments.refundFlagged(admin.userId, input.paymentId, input.reason ?? null);
    return { payment: paymentView(payment), refund: adminRefundView(refund) };
  }

  /** Counts and amounts (the escrow's full amount) by status and currency, plus what is due now. */
  @OnRpc(paymentsRpc.adminEscrowStats)
  async stats({ actor }: RpcContext<typeof paymentsRpc.adminEscrowStats>): Promise<EscrowStats> {
    requireRole(actor, 'admin', 'admin.forbidden_role');
    const now = this.clock.now();
    const grouped = await rows<{ status: string; currency: 'ETB' | 'USD'; n: number; total: string }>(
      this.ds,
      `SELECT status, currency, count(*)::int AS n, sum(amount_minor) AS total FROM payments.escrows GROUP BY status, currency
       UNION ALL
       SELECT 'due_now', currency, count(*)::int, sum(amount_minor) FROM payments.escrows
        WHERE status = 'release_scheduled' AND release_at <= $1 GROUP BY currency`,
      [now],
    );
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
      await em.query(`SELECT 1 FROM payments.bookings WHERE booking_id = $1 FOR UPDATE`, [bookingId]);
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
