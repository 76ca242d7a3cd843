import { Injectable } from '@nestjs/common';
import { bookingsRpc, type RescheduleResult } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { requireRole } from '../shared/access';
import { ProposeReschedule } from './propose-reschedule';

@Injectable()
export class ProposeRescheduleRpc {
  constructor(private readonly proposeReschedule: ProposeReschedule) {}

  /** Either participant (checked in the use case, under the booking's row lock). */
  @OnRpc(bookingsRpc.reschedulePropose)
  async propose({ actor, data: input }: RpcContext<typeof bookingsRpc.reschedulePropose>): Promise<RescheduleResult> {
    const caller = requireRole(actor, ['student', 'tutor']);
    return this.proposeReschedule.propose(caller, input);
  }
}
