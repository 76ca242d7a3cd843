import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, UserView } from '@tutorhub/contracts';
import { userNotFound } from '../domain/auth-problems';
import { toUserView } from '../domain/user-view';
import * as users from '../user.store';

/** The calling user's account. */
@Injectable()
export class GetMe {
  constructor(@Inject(DataSource) private readonly ds: DataSource) {}

  async me(actor: Actor): Promise<UserView> {
    const user = await users.findUserById(this.ds.manager, actor.userId);
    if (!user) throw userNotFound();
    return toUserView(user);
  }
}
