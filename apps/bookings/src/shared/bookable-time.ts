import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError } from '@tutorhub/platform';
import { unavailabilityReason } from '../domain/availability';
import { AvailabilityStore } from '../stores/availability.store';

/**
 * Whether a tutor's time may take a lesson: the weekly hours and time off (pure rules in
 * domain/availability.ts) and the buffer around their other live bookings, read through
 * AvailabilityStore under the tutor's time lock. Used by request-booking, propose-reschedule and accept-reschedule.
 */
@Injectable()
export class BookableTime {
  constructor(private readonly store: AvailabilityStore) {}

  /**
   * The check for any write that puts a lesson of `tutorId` at `[startsAt, endsAt)` (a new
   * booking; a reschedule, with `excludeBookingId` = the booking being moved). Call it inside the
   * writing transaction, before writing the booking row: it takes the tutor's time lock
   * (`AvailabilityStore.lockTutor`) first.
   *
   * - 422 `booking.outside_availability` (`details.reason`: `outside_weekly_hours` or `time_off`)
   *   when the tutor set weekly hours and the lesson is not entirely inside them (read on the
   *   tutor's wall clock), or when it overlaps their time off. A tutor who never set hours is
   *   bookable at any time outside time off.
   * - 409 `booking.slot_taken` (`details.reason: "buffer"`, `bufferMinutes`) when another live
   *   booking of the tutor is closer than BOOKING_BUFFER_MINUTES (only checked when the buffer is
   *   set). A plain overlap is left to the `bookings_no_tutor_overlap` exclusion constraint, the
   *   hard guard, which answers the same 409.
   */
  async assertBookable(em: EntityManager, tutorId: string, startsAt: Date, endsAt: Date, opts: { excludeBookingId?: string } = {}): Promise<void> {
    await this.store.lockTutor(em, tutorId);
    const lesson = { start: startsAt.getTime(), end: endsAt.getTime() };
    const schedule = await this.store.schedule(em, tutorId);
    const timeOff = await this.store.timeOffBetween(em, tutorId, startsAt, endsAt);
    const reason = unavailabilityReason(schedule, timeOff, lesson);
    if (reason) {
      throw new AppError(
        422,
        'booking.outside_availability',
        reason === 'time_off' ? 'The tutor is away at that time.' : 'That time is outside the tutor’s weekly hours.',
        { reason, ...(schedule ? { timezone: schedule.timeZone } : {}) },
      );
    }
    if (this.store.bufferMinutes > 0) {
      const pad = this.store.bufferMinutes * 60_000;
      const near = await this.store.liveBookingsBetween(em, tutorId, new Date(lesson.start - pad), new Date(lesson.end + pad), opts.excludeBookingId);
      if (near.length > 0) {
        throw new AppError(409, 'booking.slot_taken', `The tutor keeps ${this.store.bufferMinutes} minutes free around each lesson; that time is too close to another.`, {
          reason: 'buffer',
          bufferMinutes: this.store.bufferMinutes,
        });
      }
    }
  }
}
