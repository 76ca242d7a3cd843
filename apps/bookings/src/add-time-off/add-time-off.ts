import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, CreatedTimeOff, CreateTimeOffInput } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { validateTimeOff } from '../domain/availability';
import { requireOwnProfile } from '../shared/own-profile';
import { iso } from '../shared/sql';
import { AvailabilityStore, toTimeOff } from '../stores/availability.store';

/**
 * A tutor adds time off. Live bookings inside it are not cancelled by it (the student paid or is
 * waiting for an answer): they are listed in `conflictingBookings` so the tutor can decide.
 */
@Injectable()
export class AddTimeOff {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly store: AvailabilityStore,
  ) {}

  async add(tutor: Actor, input: CreateTimeOffInput): Promise<CreatedTimeOff> {
    const now = this.clock.now();
    const range = validateTimeOff({ startsAt: new Date(input.startsAt), endsAt: new Date(input.endsAt), now });
    return this.ds.transaction(async (em) => {
      await requireOwnProfile(em, tutor.userId);
      await this.store.lockTutor(em, tutor.userId);
      const row = {
        id: randomUUID(),
        tutor_id: tutor.userId,
        starts_at: new Date(range.start),
        ends_at: new Date(range.end),
        reason: input.reason ? input.reason : null,
        created_at: now,
      };
      await this.store.insertTimeOff(em, row);
      const conflicts = await this.store.liveBookingsBetween(em, tutor.userId, row.starts_at, row.ends_at);
      return {
        ...toTimeOff(row),
        conflictingBookings: conflicts.map((b) => ({
          id: b.id,
          status: b.status,
          studentId: b.student_id,
          subject: b.subject,
          startsAt: iso(b.starts_at),
          endsAt: iso(b.ends_at),
        })),
      };
    });
  }
}
