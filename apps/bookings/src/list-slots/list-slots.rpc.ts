import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Slots } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { ListSlots } from './list-slots';

@Injectable()
export class ListSlotsRpc {
  constructor(private readonly listSlots: ListSlots) {}

  /** Anyone signed in (rules in list-slots.ts). */
  @OnRpc(bookingsRpc.slots)
  async slots({ data: input }: RpcContext<typeof bookingsRpc.slots>): Promise<Slots> {
    return this.listSlots.slots(input);
  }
}
