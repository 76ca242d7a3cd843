import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { paymentsRpc, type BookingPaymentView } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AppError } from '@tutorhub/platform';
import { bookingParties } from '../stores/booking.store';
import { bookingPaymentView } from './booking-payment-view';

@Injectable()
export class GetBookingPaymentRpc {
  constructor(private readonly ds: DataSource) {}

  @OnRpc(paymentsRpc.bookingPaymentGet)
  async get({ actor: who, data: { bookingId, owner } }: RpcContext<typeof paymentsRpc.bookingPaymentGet>): Promise<BookingPaymentView> {
    // Who may look: our copy of the booking, or (read-your-writes, ADR 0006) the owner's booking
    // that the gateway passes when our copy has not caught up. Payment and escrow are our own data.
    const booking = (await bookingParties(this.ds, bookingId)) ?? (owner ? { student_id: owner.studentId, tutor_id: owner.tutorId } : undefined);
    const maySee = booking && (who.role === 'admin' || who.userId === booking.student_id || who.userId === booking.tutor_id);
    if (!maySee) throw new AppError(404, 'booking.not_found', 'No such booking.');
    return bookingPaymentView(this.ds, bookingId);
  }
}
