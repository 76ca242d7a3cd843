import { Injectable } from '@nestjs/common';
import { sessionsRpc, type RpcOutput } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { StartSession } from './start-session';

/** `sessions.start`: `@OnRpc` has validated the input; hand on. */
@Injectable()
export class StartSessionRpc {
  constructor(private readonly startSession: StartSession) {}

  @OnRpc(sessionsRpc.start)
  start({ actor, data: input }: RpcContext<typeof sessionsRpc.start>): Promise<RpcOutput<typeof sessionsRpc.start>> {
    return this.startSession.start(actor, input.bookingId, input.owner);
  }
}
