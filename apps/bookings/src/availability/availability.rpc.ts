import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  bookingsRpc,
  type Availability,
  type CreatedTimeOff,
  type Page,
  type Slots,
  type TimeOff,
} from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { MINUTE_MS, computeSlots, formatClock, parseClock, validateTimeOff, validateWeeklyRanges } from '../domain/availability';
import { requireActor, requireRole, tutorNotFound } from '../shared/access';
import { BookingPolicies } from '../shared/booking-policies';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { iso } from '../shared/sql';
import { TutorProfileStore } from '../stores/tutor-profile.store';
import { AvailabilityStore, toTimeOff, type StoredAvailability } from '../stores/availability.store';

const DAY_MS = 24 * 60 * MINUTE_MS;

function toAvailability(tutorId: string, a: StoredAvailability | null): Availability {
  if (!a) return { tutorId, configured: false, timezone: null, weekly: [], updatedAt: null };
  return {
    tutorId,
    configured: true,
    timezone: a.timezone,
    weekly: a.ranges.map((r) => ({ day: r.day, from: formatClock(r.fromMinute), to: formatClock(r.toMinute) })),
    updatedAt: iso(a.updatedAt),
  };
}

const timeOffNotFound = () => new AppError(404, 'time_off.not_found', 'No such time off.');

/** Weekly hours, time off and bookable slots of tutors (docs/design.md §3). */
@Injectable()
export class AvailabilityRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly store: AvailabilityStore,
    private readonly policies: BookingPolicies,
  ) {}

  /** A tutor replaces their weekly hours. Existing bookings stand; only new requests are checked. */
  @OnRpc(bookingsRpc.availabilitySetMe)
  async setMe({ actor, data: input }: RpcContext<typeof bookingsRpc.availabilitySetMe>): Promise<Availability> {
    const tutor = requireRole(actor, 'tutor');
    const ranges = validateWeeklyRanges(input.weekly.map((r) => ({ day: r.day, fromMinute: parseClock(r.from), toMinute: parseClock(r.to) })));
    return this.ds.transaction(async (em) => {
      await this.requireOwnProfile(em, tutor.userId);
      await this.store.lockTutor(em, tutor.userId);
      await this.store.replace(em, tutor.userId, input.timezone, ranges, this.clock.now());
      return toAvailability(tutor.userId, await this.store.find(em, tutor.userId));
    });
  }

  @OnRpc(bookingsRpc.availabilityGet)
  async get({ actor, data: { tutorId } }: RpcContext<typeof bookingsRpc.availabilityGet>): Promise<Availability> {
    requireActor(actor);
    if (!(await TutorProfileStore.find(this.ds.manager, tutorId))) throw tutorNotFound();
    return toAvailability(tutorId, await this.store.find(this.ds.manager, tutorId));
  }

  /**
   * A tutor adds time off. Live bookings inside it are not cancelled by it (the student paid or is
   * waiting for an answer): they are listed in `conflictingBookings` so the tutor can decide.
   */
  @OnRpc(bookingsRpc.timeOffCreate)
  async createTimeOff({ actor, data: input }: RpcContext<typeof bookingsRpc.timeOffCreate>): Promise<CreatedTimeOff> {
    const tutor = requireRole(actor, 'tutor');
    const now = this.clock.now();
    const range = validateTimeOff({ startsAt: new Date(input.startsAt), endsAt: new Date(input.endsAt), now });
    return this.ds.transaction(async (em) => {
      await this.requireOwnProfile(em, tutor.userId);
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

  /** The caller's time off that has not ended yet, soonest first. */
  @OnRpc(bookingsRpc.timeOffList)
  async listTimeOff({ actor, data: input }: RpcContext<typeof bookingsRpc.timeOffList>): Promise<Page<TimeOff>> {
    const tutor = requireRole(actor, 'tutor');
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.store.listTimeOff(this.ds.manager, tutor.userId, this.clock.now(), decodeCursor(input.cursor), limit);
    return toPage(rows, limit, (r) => ({ at: r.starts_at, id: r.id }), toTimeOff);
  }

  /** Someone else's entry (or none) is a 404, as if it did not exist. */
  @OnRpc(bookingsRpc.timeOffDelete)
  async deleteTimeOff({ actor, data: { timeOffId } }: RpcContext<typeof bookingsRpc.timeOffDelete>): Promise<{ deleted: true }> {
    const tutor = requireRole(actor, 'tutor');
    const deleted = await this.ds.transaction(async (em) => {
      await this.store.lockTutor(em, tutor.userId);
      return this.store.deleteTimeOff(em, tutor.userId, timeOffId);
    });
    if (!deleted) throw timeOffNotFound();
    return { deleted: true };
  }

  /**
   * Bookable starts: inside the weekly hours (or any time when never set), outside time off and
   * live bookings widened by BOOKING_BUFFER_MINUTES, no sooner than a request is accepted
   * (max(BOOKING_MIN_NOTICE_MINUTES, BOOKING_ACCEPT_DEADLINE_MINUTES) ahead, as for
   * `bookings.create`) and no later than the furthest a lesson may be booked ahead. Every listed
   * start passes `bookings.create`'s time checks at the moment of the answer.
   */
  @OnRpc(bookingsRpc.slots)
  async slots({ actor, data: input }: RpcContext<typeof bookingsRpc.slots>): Promise<Slots> {
    requireActor(actor);
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

  /** Availability and time off hang off the tutor profile. */
  private async requireOwnProfile(em: EntityManager, tutorId: string): Promise<void> {
    if (!(await TutorProfileStore.find(em, tutorId))) {
      throw new AppError(409, 'tutor.profile_required', 'Create your tutor profile first (PUT /api/tutors/me).');
    }
  }
}
