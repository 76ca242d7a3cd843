import { Injectable } from '@nestjs/common';
import { bookingsRpc, type RescheduleResult } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { ProposeReschedule } from './propose-reschedule';

@Injectable()
export class ProposeRescheduleRpc {
  constructor(private readonly proposeReschedule: ProposeReschedule) {}

  /** Either participant (checked in the use case, under the booking's row lock). */
  @OnRpc(bookingsRpc.reschedulePropose)
  async propose({ actor: caller, data: input }: RpcContext<typeof bookingsRpc.reschedulePropose>): Promise<RescheduleResult> {
    return this.proposeReschedule.propose(caller, input);
  }
}
