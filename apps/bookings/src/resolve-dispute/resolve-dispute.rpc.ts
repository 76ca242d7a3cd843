import { Injectable } from '@nestjs/common';
import { bookingsRpc, type DisputeResult } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { ResolveDispute } from './resolve-dispute';

@Injectable()
export class ResolveDisputeRpc {
  constructor(private readonly resolveDispute: ResolveDispute) {}

  /** An admin resolves a dispute (rules in resolve-dispute.ts). */
  @OnRpc(bookingsRpc.disputesResolve)
  async resolve({ actor: admin, data: input }: RpcContext<typeof bookingsRpc.disputesResolve>): Promise<DisputeResult> {
    return this.resolveDispute.resolve(admin, input);
  }
}
