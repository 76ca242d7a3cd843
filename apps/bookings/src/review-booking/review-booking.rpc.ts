import { Injectable } from '@nestjs/common';
import { bookingsRpc, type ReviewResult } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { ReviewBooking } from './review-booking';

@Injectable()
export class ReviewBookingRpc {
  constructor(private readonly reviewBooking: ReviewBooking) {}

  /** Either participant reviews a completed lesson (rules in review-booking.ts). */
  @OnRpc(bookingsRpc.review)
  async review({ actor: caller, data: input }: RpcContext<typeof bookingsRpc.review>): Promise<ReviewResult> {
    return this.reviewBooking.review(caller, input);
  }
}
