import { Injectable } from '@nestjs/common';
import { sessionsRpc, type RpcOutput } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { RenewToken } from './renew-token';

/** `sessions.token`: `@OnRpc` has validated the input; hand on. */
@Injectable()
export class RenewTokenRpc {
  constructor(private readonly renewToken: RenewToken) {}

  @OnRpc(sessionsRpc.token)
  token({ actor, data: input }: RpcContext<typeof sessionsRpc.token>): Promise<RpcOutput<typeof sessionsRpc.token>> {
    return this.renewToken.renew(actor, input.bookingId, input.owner);
  }
}
