import { Injectable } from '@nestjs/common';
import { sessionsRpc, type RpcOutput } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { EndSession } from './end-session';

/** `sessions.end`: `@OnRpc` has validated the input; hand on. */
@Injectable()
export class EndSessionRpc {
  constructor(private readonly endSession: EndSession) {}

  @OnRpc(sessionsRpc.end)
  end({ actor, data: input }: RpcContext<typeof sessionsRpc.end>): Promise<RpcOutput<typeof sessionsRpc.end>> {
    return this.endSession.end(actor, input.bookingId, input.notes, input.owner);
  }
}
