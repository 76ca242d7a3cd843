import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, TutorProfile, UpsertTutorProfileInput } from '@tutorhub/contracts';
import { AppError, Clock } from '@tutorhub/platform';
import { UserDirectory } from '../read-model/user-directory.store';
import { TutorProfileStore, toTutorProfile } from '../stores/tutor-profile.store';

/** A tutor creates or replaces their own profile; the rate applies to bookings made from now on. */
@Injectable()
export class PublishTutorProfile {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly users: UserDirectory,
  ) {}

  async publish(tutor: Actor, input: UpsertTutorProfileInput): Promise<TutorProfile> {
    return this.ds.transaction(async (em) => {
      const role = await this.users.ensure(em, tutor);
      if (role !== 'tutor') throw new AppError(403, 'tutor.not_a_tutor', 'Only tutor accounts have a tutor profile.');
      await TutorProfileStore.upsert(em, tutor.userId, input, this.clock.now());
      const row = await TutorProfileStore.find(em, tutor.userId);
      if (!row) throw new Error('tutor profile vanished inside its own transaction');
      return toTutorProfile(row);
    });
  }
}
