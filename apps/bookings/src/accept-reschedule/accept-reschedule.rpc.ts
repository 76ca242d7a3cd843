import { Injectable } from '@nestjs/common';
import { bookingsRpc, type RescheduleResult } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AcceptReschedule } from './accept-reschedule';

@Injectable()
export class AcceptRescheduleRpc {
  constructor(private readonly acceptReschedule: AcceptReschedule) {}

  /** The participant who did not propose (checked in the use case, under the booking's row lock). */
  @OnRpc(bookingsRpc.rescheduleAccept)
  async accept({ actor: caller, data: { bookingId } }: RpcContext<typeof bookingsRpc.rescheduleAccept>): Promise<RescheduleResult> {
    return this.acceptReschedule.accept(caller, bookingId);
  }
}
