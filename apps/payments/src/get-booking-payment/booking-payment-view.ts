import type { DataSource } from 'typeorm';
import type { BookingPaymentView } from '@tutorhub/contracts';
import { iso, isoOf, minor } from '../shared/db';
import { findEscrowByBookingIn } from '../stores/escrow.store';
import { latestPaymentOfBooking, type PaymentRow } from '../stores/payment.store';
import { refundsOfEscrow } from '../stores/refund.store';

/** The booking's payment, escrow and refunds as participants and admins see them (also the answer of escrow RPCs). */
export function paymentView(payment: PaymentRow): NonNullable<BookingPaymentView['payment']> {
  return {
    id: payment.id,
    bookingId: payment.booking_id,
    txRef: payment.tx_ref,
    status: payment.status,
    amount: { amountMinor: minor(payment.amount_minor), currency: payment.currency },
    checkoutUrl: payment.checkout_url,
    createdAt: isoOf(payment.created_at),
    verifiedAt: iso(payment.verified_at),
    failureReason: payment.failure_reason,
  };
}

export async function bookingPaymentView(ds: DataSource, bookingId: string): Promise<BookingPaymentView> {
  const payment = await latestPaymentOfBooking(ds, bookingId);
  const escrow = await findEscrowByBookingIn(ds, bookingId);
  const refunds = escrow ? await refundsOfEscrow(ds, escrow.id) : [];
  const money = (v: string | null, currency: 'ETB' | 'USD') => (v === null ? null : { amountMinor: minor(v), currency });
  return {
    bookingId,
    payment: payment ? paymentView(payment) : null,
    escrow: escrow
      ? {
          id: escrow.id,
          status: escrow.status,
          amount: { amountMinor: minor(escrow.amount_minor), currency: escrow.currency },
          heldAt: isoOf(escrow.held_at),
          releaseScheduledFor: iso(escrow.release_at),
          frozenAt: iso(escrow.frozen_at),
          releasedAt: iso(escrow.released_at),
          refundedAt: iso(escrow.refunded_at),
          tutorAmount: money(escrow.tutor_minor, escrow.currency),
          platformFee: money(escrow.fee_minor, escrow.currency),
          refundAmount: money(escrow.refund_minor, escrow.currency),
          settleReason: escrow.settle_reason,
          refunds: refunds.map((r) => ({
            id: r.id,
            amount: { amountMinor: minor(r.amount_minor), currency: r.currency },
            status: r.status,
            reason: r.reason,
            createdAt: isoOf(r.created_at),
            settledAt: iso(r.settled_at),
          })),
        }
      : null,
  };
}
