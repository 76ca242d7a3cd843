import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, ListTimeOffInput, Page, TimeOff } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { AvailabilityStore, toTimeOff } from '../stores/availability.store';

/** The caller's time off that has not ended yet, soonest first. */
@Injectable()
export class ListTimeOff {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly store: AvailabilityStore,
  ) {}

  async list(tutor: Actor, input: ListTimeOffInput): Promise<Page<TimeOff>> {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.store.listTimeOff(this.ds.manager, tutor.userId, this.clock.now(), decodeCursor(input.cursor), limit);
    return toPage(rows, limit, (r) => ({ at: r.starts_at, id: r.id }), toTimeOff);
  }
}
