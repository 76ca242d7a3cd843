import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Slots, SlotsInput } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { MINUTE_MS, computeSlots } from '../domain/availability';
import { tutorNotFound } from '../shared/access';
import { BookingPolicies } from '../shared/booking-policies';
import { iso } from '../shared/sql';
import { AvailabilityStore } from '../stores/availability.store';
import { TutorProfileStore } from '../stores/tutor-profile.store';

const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Bookable starts: inside the weekly hours (or any time when never set), outside time off and
 * live bookings widened by BOOKING_BUFFER_MINUTES, no sooner than a request is accepted
 * (max(BOOKING_MIN_NOTICE_MINUTES, BOOKING_ACCEPT_DEADLINE_MINUTES) ahead, as for
 * `bookings.create`) and no later than the furthest a lesson may be booked ahead. Every listed
 * start passes `bookings.create`'s time checks at the moment of the answer.
 */
@Injectable()
export class ListSlots {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly store: AvailabilityStore,
    private readonly policies: BookingPolicies,
  ) {}

  async slots(input: SlotsInput): Promise<Slots> {
    const em = this.ds.manager;
    const profile = await TutorProfileStore.find(em, input.tutorId);
    if (!profile) throw tutorNotFound();
    const now = this.clock.now().getTime();
    const rules = this.policies.rules.config;
    const from = Date.parse(input.from);
    const to = Date.parse(input.to);
    const duration = input.durationMinutes * MINUTE_MS;
    // Everything a lesson starting in [from, to) could touch.
    const horizon = { from: new Date(from), to: new Date(to + duration) };
    const schedule = await this.store.schedule(em, input.tutorId);
    const exclusions = [
      ...(await this.store.timeOffBetween(em, input.tutorId, horizon.from, horizon.to)),
      ...(await this.store.busyBetween(em, input.tutorId, horizon.from, horizon.to)),
    ];
    const slots = computeSlots({
      schedule,
      exclusions,
      from,
      to,
      durationMinutes: input.durationMinutes,
      earliestStart: now + Math.max(rules.minNoticeMinutes, rules.acceptDeadlineMinutes) * MINUTE_MS,
      latestStart: now + rules.maxAdvanceDays * DAY_MS,
    });
    return {
      tutorId: input.tutorId,
      timezone: schedule ? schedule.timeZone : profile.timezone,
      configured: schedule !== null,
      durationMinutes: input.durationMinutes,
      slots: slots.map((s) => ({ startsAt: iso(new Date(s.start)), endsAt: iso(new Date(s.end)) })),
    };
  }
}
