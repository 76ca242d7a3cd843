import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { paymentsRpc, type BookingPaymentView, type EscrowStats } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { bookingPaymentView } from '../get-booking-payment/booking-payment-view';
import { ProcessRefunds } from '../process-refunds/process-refunds';
import { escrowStats } from './escrow-stats';
import { SettleByAdmin } from './settle-by-admin';

/** An operator's view of escrows and manual settlement (release now, refund all or a share). */
@Injectable()
export class AdminEscrowRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly admin: SettleByAdmin,
    private readonly refunds: ProcessRefunds,
  ) {}

  /** Counts and amounts (the escrow's full amount) by status and currency, plus what is due now. */
  @OnRpc(paymentsRpc.adminEscrowStats)
  async stats(): Promise<EscrowStats> {
    return escrowStats(this.ds, this.clock.now());
  }

  /** Manual release now (also `POST /api/sessions/:bookingId/release-escrow`). */
  @OnRpc(paymentsRpc.adminRelease)
  async release({ actor: admin, data: input }: RpcContext<typeof paymentsRpc.adminRelease>): Promise<BookingPaymentView> {
    await this.admin.settle(input.bookingId, 'release', 0, input.reason ? `admin_release: ${input.reason}` : 'admin_release', admin.userId);
    return bookingPaymentView(this.ds, input.bookingId);
  }

  /** Manual refund: everything by default, or a share (the rest released to the tutor less the fee). */
  @OnRpc(paymentsRpc.adminRefund)
  async refund({ actor: admin, data: input }: RpcContext<typeof paymentsRpc.adminRefund>): Promise<BookingPaymentView> {
    const bps = input.refundBasisPoints ?? 10000;
    await this.admin.settle(input.bookingId, 'split', bps, input.reason ? `admin_refund: ${input.reason}` : 'admin_refund', admin.userId);
    this.refunds.kickSoon();
    return bookingPaymentView(this.ds, input.bookingId);
  }
}
