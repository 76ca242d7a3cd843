import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Page, SearchTutorsInput, TutorProfile } from '@tutorhub/contracts';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { TutorProfileStore, toTutorProfile } from '../stores/tutor-profile.store';

/** Tutor profiles, optionally teaching a subject, oldest profile first, cursor-paginated. */
@Injectable()
export class SearchTutors {
  constructor(private readonly ds: DataSource) {}

  async search(input: SearchTutorsInput): Promise<Page<TutorProfile>> {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await TutorProfileStore.search(this.ds.manager, {
      subject: input.subject,
      after: decodeCursor(input.cursor),
      limit,
    });
    return toPage(rows, limit, (r) => ({ at: r.created_at, id: r.id }), toTutorProfile);
  }
}
