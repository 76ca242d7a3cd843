import { Injectable } from '@nestjs/common';
import { bookingsRpc } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { RemoveTimeOff } from './remove-time-off';

@Injectable()
export class RemoveTimeOffRpc {
  constructor(private readonly removeTimeOff: RemoveTimeOff) {}

  @OnRpc(bookingsRpc.timeOffDelete)
  async deleteTimeOff({ actor: tutor, data: { timeOffId } }: RpcContext<typeof bookingsRpc.timeOffDelete>): Promise<{ deleted: true }> {
    return this.removeTimeOff.remove(tutor, timeOffId);
  }
}
