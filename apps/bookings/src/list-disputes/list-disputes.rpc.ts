import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Dispute, type Page } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { ListDisputes } from './list-disputes';

@Injectable()
export class ListDisputesRpc {
  constructor(private readonly listDisputes: ListDisputes) {}

  /** The admins' dispute queue, newest first (list-disputes.ts). */
  @OnRpc(bookingsRpc.disputesList)
  async list({ data: input }: RpcContext<typeof bookingsRpc.disputesList>): Promise<Page<Dispute>> {
    return this.listDisputes.list(input);
  }
}
