import { Injectable } from '@nestjs/common';
import {
  sessionsRpc,
  type SessionAccessResponse,
  type SessionEndResponse,
  type SessionStatusResponse,
} from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { requireActor, SessionService } from './run-session';

/** The RPC face of the sessions service (gateway → `sessions.rpc`): `@OnRpc` has validated the input; hand on. */
@Injectable()
export class SessionsRpc {
  constructor(private readonly sessions: SessionService) {}

  @OnRpc(sessionsRpc.start)
  start({ actor, data: input }: RpcContext<typeof sessionsRpc.start>): Promise<SessionAccessResponse> {
    return this.sessions.start(requireActor(actor), input.bookingId, input.owner);
  }

  @OnRpc(sessionsRpc.join)
  join({ actor, data: input }: RpcContext<typeof sessionsRpc.join>): Promise<SessionAccessResponse> {
    return this.sessions.join(requireActor(actor), input.bookingId, input.owner);
  }

  @OnRpc(sessionsRpc.token)
  token({ actor, data: input }: RpcContext<typeof sessionsRpc.token>): Promise<SessionAccessResponse> {
    return this.sessions.renewToken(requireActor(actor), input.bookingId, input.owner);
  }

  @OnRpc(sessionsRpc.end)
  end({ actor, data: input }: RpcContext<typeof sessionsRpc.end>): Promise<SessionEndResponse> {
    return this.sessions.end(requireActor(actor), input.bookingId, input.notes, input.owner);
  }

  @OnRpc(sessionsRpc.status)
  status({ actor, data: input }: RpcContext<typeof sessionsRpc.status>): Promise<SessionStatusResponse> {
    return this.sessions.status(requireActor(actor), input.bookingId, input.owner);
  }
}
