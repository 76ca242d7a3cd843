import { Injectable } from '@nestjs/common';
import {
  SESSIONS_RPC,
  sessionEndInputSchema,
  sessionJoinInputSchema,
  sessionStartInputSchema,
  sessionStatusInputSchema,
  sessionTokenInputSchema,
  type SessionAccessResponse,
  type SessionEndResponse,
  type SessionStatusResponse,
} from '@tutorhub/contracts';
import { OnRpc, parseInput, type RpcContext } from '@tutorhub/messaging';
import { requireActor, SessionService } from './session.service';

/** The RPC face of the sessions service (gateway → `sessions.rpc`): validate, then hand on. */
@Injectable()
export class SessionsRpc {
  constructor(private readonly sessions: SessionService) {}

  @OnRpc(SESSIONS_RPC.start)
  start({ actor, data }: RpcContext): Promise<SessionAccessResponse> {
    const input = parseInput(sessionStartInputSchema, data);
    return this.sessions.start(requireActor(actor), input.bookingId, input.owner);
  }

  @OnRpc(SESSIONS_RPC.join)
  join({ actor, data }: RpcContext): Promise<SessionAccessResponse> {
    const input = parseInput(sessionJoinInputSchema, data);
    return this.sessions.join(requireActor(actor), input.bookingId, input.owner);
  }

  @OnRpc(SESSIONS_RPC.token)
  token({ actor, data }: RpcContext): Promise<SessionAccessResponse> {
    const input = parseInput(sessionTokenInputSchema, data);
    return this.sessions.renewToken(requireActor(actor), input.bookingId, input.owner);
  }

  @OnRpc(SESSIONS_RPC.end)
  end({ actor, data }: RpcContext): Promise<SessionEndResponse> {
    const input = parseInput(sessionEndInputSchema, data);
    return this.sessions.end(requireActor(actor), input.bookingId, input.notes, input.owner);
  }

  @OnRpc(SESSIONS_RPC.status)
  status({ actor, data }: RpcContext): Promise<SessionStatusResponse> {
    const input = parseInput(sessionStatusInputSchema, data);
    return this.sessions.status(requireActor(actor), input.bookingId, input.owner);
  }
}
