import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  bookingsRpc,
  type Page,
  type TutorProfile,
} from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { requireActor, requireRole, tutorNotFound } from '../shared/access';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { UserDirectory } from '../read-model/user-directory.store';
import { TutorProfileStore, toTutorProfile } from '../stores/tutor-profile.store';

@Injectable()
export class TutorProfilesRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly users: UserDirectory,
  ) {}

  /** A tutor creates or replaces their own profile; the rate applies to bookings made from now on. */
  @OnRpc(bookingsRpc.tutorsUpsertMe)
  async upsertMe({ actor, data: input }: RpcContext<typeof bookingsRpc.tutorsUpsertMe>): Promise<TutorProfile> {
    const tutor = requireRole(actor, 'tutor');
    return this.ds.transaction(async (em) => {
      const role = await this.users.ensure(em, tutor);
      if (role !== 'tutor') throw new AppError(403, 'tutor.not_a_tutor', 'Only tutor accounts have a tutor profile.');
      await TutorProfileStore.upsert(em, tutor.userId, input, this.clock.now());
      const row = await TutorProfileStore.find(em, tutor.userId);
      if (!row) throw new Error('tutor profile vanished inside its own transaction');
      return toTutorProfile(row);
    });
  }

  @OnRpc(bookingsRpc.tutorsSearch)
  async search({ actor, data: input }: RpcContext<typeof bookingsRpc.tutorsSearch>): Promise<Page<TutorProfile>> {
    requireActor(actor);
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await TutorProfileStore.search(this.ds.manager, {
      subject: input.subject,
      after: decodeCursor(input.cursor),
      limit,
    });
    return toPage(rows, limit, (r) => ({ at: r.created_at, id: r.id }), toTutorProfile);
  }

  @OnRpc(bookingsRpc.tutorsGet)
  async get({ actor, data: { tutorId } }: RpcContext<typeof bookingsRpc.tutorsGet>): Promise<TutorProfile> {
    requireActor(actor);
    const row = await TutorProfileStore.find(this.ds.manager, tutorId);
    if (!row) throw tutorNotFound();
    return toTutorProfile(row);
  }
}
