import { Injectable } from '@nestjs/common';
import { sessionsRpc, type RpcOutput } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { JoinSession } from './join-session';

/** `sessions.join`: `@OnRpc` has validated the input; hand on. */
@Injectable()
export class JoinSessionRpc {
  constructor(private readonly joinSession: JoinSession) {}

  @OnRpc(sessionsRpc.join)
  join({ actor, data: input }: RpcContext<typeof sessionsRpc.join>): Promise<RpcOutput<typeof sessionsRpc.join>> {
    return this.joinSession.join(actor, input.bookingId, input.owner);
  }
}
