import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { paymentsRpc, type BookingPaymentView } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { bookingPaymentView } from '../get-booking-payment/booking-payment-view';
import { ReleaseEarly } from './release-early';

@Injectable()
export class ReleaseEarlyRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly releaseEarly: ReleaseEarly,
  ) {}

  @OnRpc(paymentsRpc.studentRelease)
  async release({ actor: student, data: { bookingId } }: RpcContext<typeof paymentsRpc.studentRelease>): Promise<BookingPaymentView> {
    await this.releaseEarly.release(student.userId, bookingId);
    return bookingPaymentView(this.ds, bookingId);
  }
}
