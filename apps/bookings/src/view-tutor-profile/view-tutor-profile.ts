import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TutorProfile } from '@tutorhub/contracts';
import { tutorNotFound } from '../shared/access';
import { TutorProfileStore, toTutorProfile } from '../stores/tutor-profile.store';

/** One tutor's profile, to anyone signed in. */
@Injectable()
export class ViewTutorProfile {
  constructor(private readonly ds: DataSource) {}

  async get(tutorId: string): Promise<TutorProfile> {
    const row = await TutorProfileStore.find(this.ds.manager, tutorId);
    if (!row) throw tutorNotFound();
    return toTutorProfile(row);
  }
}
