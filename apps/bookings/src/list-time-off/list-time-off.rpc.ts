import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Page, type TimeOff } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { ListTimeOff } from './list-time-off';

@Injectable()
export class ListTimeOffRpc {
  constructor(private readonly timeOff: ListTimeOff) {}

  @OnRpc(bookingsRpc.timeOffList)
  async listTimeOff({ actor: tutor, data: input }: RpcContext<typeof bookingsRpc.timeOffList>): Promise<Page<TimeOff>> {
    return this.timeOff.list(tutor, input);
  }
}
