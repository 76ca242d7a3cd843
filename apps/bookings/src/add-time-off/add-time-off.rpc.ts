import { Injectable } from '@nestjs/common';
import { bookingsRpc, type CreatedTimeOff } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AddTimeOff } from './add-time-off';

@Injectable()
export class AddTimeOffRpc {
  constructor(private readonly addTimeOff: AddTimeOff) {}

  /** A tutor adds time off to their own calendar (rules in add-time-off.ts). */
  @OnRpc(bookingsRpc.timeOffCreate)
  async createTimeOff({ actor: tutor, data: input }: RpcContext<typeof bookingsRpc.timeOffCreate>): Promise<CreatedTimeOff> {
    return this.addTimeOff.add(tutor, input);
  }
}
