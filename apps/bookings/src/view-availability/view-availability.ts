import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Availability } from '@tutorhub/contracts';
import { tutorNotFound } from '../shared/access';
import { AvailabilityStore, toAvailability } from '../stores/availability.store';
import { TutorProfileStore } from '../stores/tutor-profile.store';

/** A tutor's weekly hours, to anyone signed in (`configured: false` when never set). */
@Injectable()
export class ViewAvailability {
  constructor(
    private readonly ds: DataSource,
    private readonly store: AvailabilityStore,
  ) {}

  async get(tutorId: string): Promise<Availability> {
    if (!(await TutorProfileStore.find(this.ds.manager, tutorId))) throw tutorNotFound();
    return toAvailability(tutorId, await this.store.find(this.ds.manager, tutorId));
  }
}
