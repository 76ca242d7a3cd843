import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, Availability, SetAvailabilityInput } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { parseClock, validateWeeklyRanges } from '../domain/availability';
import { requireOwnProfile } from '../shared/own-profile';
import { AvailabilityStore, toAvailability } from '../stores/availability.store';

/** A tutor replaces their weekly hours. Existing bookings stand; only new requests are checked. */
@Injectable()
export class SetAvailability {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly store: AvailabilityStore,
  ) {}

  async set(tutor: Actor, input: SetAvailabilityInput): Promise<Availability> {
    const ranges = validateWeeklyRanges(input.weekly.map((r) => ({ day: r.day, fromMinute: parseClock(r.from), toMinute: parseClock(r.to) })));
    return this.ds.transaction(async (em) => {
      await requireOwnProfile(em, tutor.userId);
      await this.store.lockTutor(em, tutor.userId);
      await this.store.replace(em, tutor.userId, input.timezone, ranges, this.clock.now());
      return toAvailability(tutor.userId, await this.store.find(em, tutor.userId));
    });
  }
}
