import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import { UserDirectory } from './user-directory.store';

/** Keeps the `users` read model (user-directory.store.ts) from identity's registrations. */
@Injectable()
export class UserRegisteredEvents {
  constructor(private readonly users: UserDirectory) {}

  @OnEvent('identity.user.registered.v1')
  async onUserRegistered(data: EventDataOf<'identity.user.registered.v1'>, { em, envelope }: EventContext): Promise<void> {
    await this.users.upsertRegistered(em, data, envelope.occurredAt);
  }
}
