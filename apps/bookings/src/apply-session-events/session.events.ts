import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import { ApplySessionEvents } from './apply-session-events';

/** Sessions' `session.*` events, each handed to its step of the use case (apply-session-events.ts) in the inbox's transaction. */
@Injectable()
export class SessionEvents {
  constructor(private readonly apply: ApplySessionEvents) {}

  @OnEvent('sessions.session.started.v1')
  async onSessionStarted(data: EventDataOf<'sessions.session.started.v1'>, { em }: EventContext): Promise<void> {
    await this.apply.started(em, data);
  }

  @OnEvent('sessions.session.ended.v1')
  async onSessionEnded(data: EventDataOf<'sessions.session.ended.v1'>, { em }: EventContext): Promise<void> {
    await this.apply.ended(em, data);
  }

  @OnEvent('sessions.session.missed.v1')
  async onSessionMissed(data: EventDataOf<'sessions.session.missed.v1'>, { em }: EventContext): Promise<void> {
    await this.apply.missed(em, data);
  }
}
