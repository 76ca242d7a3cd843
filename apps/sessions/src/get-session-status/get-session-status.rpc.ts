import { Injectable } from '@nestjs/common';
import { sessionsRpc, type RpcOutput } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { GetSessionStatus } from './get-session-status';

/** `sessions.status`: `@OnRpc` has validated the input; hand on. */
@Injectable()
export class GetSessionStatusRpc {
  constructor(private readonly getSessionStatus: GetSessionStatus) {}

  @OnRpc(sessionsRpc.status)
  status({ actor, data: input }: RpcContext<typeof sessionsRpc.status>): Promise<RpcOutput<typeof sessionsRpc.status>> {
    return this.getSessionStatus.status(actor, input.bookingId, input.owner);
  }
}
