import { Injectable } from '@nestjs/common';
import { bookingsRpc, type RescheduleResult } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { DeclineReschedule } from './decline-reschedule';

@Injectable()
export class DeclineRescheduleRpc {
  constructor(private readonly declineReschedule: DeclineReschedule) {}

  /** The participant who did not propose (checked in the use case, under the booking's row lock). */
  @OnRpc(bookingsRpc.rescheduleDecline)
  async decline({ actor: caller, data: { bookingId } }: RpcContext<typeof bookingsRpc.rescheduleDecline>): Promise<RescheduleResult> {
    return this.declineReschedule.decline(caller, bookingId);
  }
}
