import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Availability, TimeOff } from '@tutorhub/contracts';
import { CONFIG } from '@tutorhub/service';
import type { BookingsConfig } from '../config';
import {
  WEEKDAYS,
  WeeklySchedule,
  formatClock,
  widen,
  type Interval,
  type WeeklyRange,
} from '../domain/availability';
import { LIVE_STATUSES, type BookingStatus } from '../domain/booking-status';
import type { CursorKey } from '../shared/cursor';
import { iso } from '../shared/sql';

export interface StoredAvailability {
  timezone: string;
  updatedAt: Date;
  /** Sorted mon…sun, then by start. */
  ranges: WeeklyRange[];
}

export interface TimeOffRow {
  id: string;
  tutor_id: string;
  starts_at: Date;
  ends_at: Date;
  reason: string | null;
  created_at: Date;
}

export interface LiveBookingRow {
  id: string;
  status: BookingStatus;
  student_id: string;
  subject: string;
  starts_at: Date;
  ends_at: Date;
}

export function toTimeOff(r: TimeOffRow): TimeOff {
  return { id: r.id, tutorId: r.tutor_id, startsAt: iso(r.starts_at), endsAt: iso(r.ends_at), reason: r.reason, createdAt: iso(r.created_at) };
}

/** The answer of `tutors.availability.get` / `set_me`; never set: `configured: false`. */
export function toAvailability(tutorId: string, a: StoredAvailability | null): Availability {
  if (!a) return { tutorId, configured: false, timezone: null, weekly: [], updatedAt: null };
  return {
    tutorId,
    configured: true,
    timezone: a.timezone,
    weekly: a.ranges.map((r) => ({ day: r.day, from: formatClock(r.fromMinute), to: formatClock(r.toMinute) })),
    updatedAt: iso(a.updatedAt),
  };
}

const LIVE = `status IN (${LIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * SQL of tutor availability (tables `tutor_availability`, `availability_ranges`, `time_off`). The
 * check every booking write makes is `BookableTime.assertBookable` (shared/bookable-time.ts), on top of it.
 */
@Injectable()
export class AvailabilityStore {
  /** BOOKING_BUFFER_MINUTES: free time kept around each live booking of a tutor. */
  readonly bufferMinutes: number;

  constructor(@Inject(CONFIG) config: BookingsConfig) {
    this.bufferMinutes = config.BOOKING_BUFFER_MINUTES;
  }

  /**
   * Serialises, per tutor, everything that decides whether a time is bookable: booking writes
   * that call `BookableTime.assertBookable`, new time off and new weekly hours. Held until commit. Without
   * it two requests could each pass the buffer check and land back to back, or time off could miss
   * a booking committed a moment later.
   */
  async lockTutor(em: EntityManager, tutorId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`bookings.tutor-time:${tutorId}`]);
  }

  /** The tutor's weekly hours, or null when they never set any. */
  async find(em: EntityManager, tutorId: string): Promise<StoredAvailability | null> {
    const head: Array<{ timezone: string; updated_at: Date }> = await em.query(
      `SELECT timezone, updated_at FROM bookings.tutor_availability WHERE tutor_id = $1`,
      [tutorId],
    );
    if (!head[0]) return null;
    const rows: Array<{ weekday: number; from_minute: number; to_minute: number }> = await em.query(
      `SELECT weekday, from_minute, to_minute FROM bookings.availability_ranges WHERE tutor_id = $1 ORDER BY weekday, from_minute`,
      [tutorId],
    );
    return {
      timezone: head[0].timezone,
      updatedAt: head[0].updated_at,
      ranges: rows.map((r) => ({ day: WEEKDAYS[r.weekday - 1], fromMinute: r.from_minute, toMinute: r.to_minute })),
    };
  }

  /** Replaces the whole week (ranges already validated; the database checks them again). */
  async replace(em: EntityManager, tutorId: string, timezone: string, ranges: readonly WeeklyRange[], now: Date): Promise<void> {
    await em.query(
      `INSERT INTO bookings.tutor_availability (tutor_id, timezone, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (tutor_id) DO UPDATE SET timezone = EXCLUDED.timezone, updated_at = EXCLUDED.updated_at`,
      [tutorId, timezone, now],
    );
    await em.query(`DELETE FROM bookings.availability_ranges WHERE tutor_id = $1`, [tutorId]);
    if (ranges.length === 0) return;
    await em.query(
      `INSERT INTO bookings.availability_ranges (tutor_id, weekday, from_minute, to_minute)
       SELECT $1, d, f, t FROM unnest($2::smallint[], $3::smallint[], $4::smallint[]) AS x(d, f, t)`,
      [tutorId, ranges.map((r) => WEEKDAYS.indexOf(r.day) + 1), ranges.map((r) => r.fromMinute), ranges.map((r) => r.toMinute)],
    );
  }

  /** The weekly hours as a schedule, or null when never set (bookable at any time). */
  async schedule(em: EntityManager, tutorId: string): Promise<WeeklySchedule | null> {
    const a = await this.find(em, tutorId);
    return a ? new WeeklySchedule(a.timezone, a.ranges) : null;
  }

  /** Time off of the tutor that overlaps `[from, to)`. */
  async timeOffBetween(em: EntityManager, tutorId: string, from: Date, to: Date): Promise<Interval[]> {
    const rows: Array<{ starts_at: Date; ends_at: Date }> = await em.query(
      `SELECT starts_at, ends_at FROM bookings.time_off
        WHERE tutor_id = $1 AND tstzrange(starts_at, ends_at, '[)') && tstzrange($2, $3, '[)')`,
      [tutorId, from, to],
    );
    return rows.map((r) => ({ start: r.starts_at.getTime(), end: r.ends_at.getTime() }));
  }

  /** The tutor's live bookings (requested, accepted, confirmed, in progress) overlapping `[from, to)`, soonest first. */
  async liveBookingsBetween(em: EntityManager, tutorId: string, from: Date, to: Date, excludeBookingId?: string): Promise<LiveBookingRow[]> {
    return em.query(
      `SELECT id, status, student_id, subject, starts_at, ends_at FROM bookings.bookings
        WHERE tutor_id = $1 AND ${LIVE} AND tstzrange(starts_at, ends_at, '[)') && tstzrange($2, $3, '[)')
          AND ($4::uuid IS NULL OR id <> $4::uuid)
        ORDER BY starts_at, id`,
      [tutorId, from, to, excludeBookingId ?? null],
    );
  }

  /** Live bookings overlapping `[from, to)` widened by the buffer: the time they keep from other lessons. */
  async busyBetween(em: EntityManager, tutorId: string, from: Date, to: Date): Promise<Interval[]> {
    const pad = this.bufferMinutes * 60_000;
    const rows = await this.liveBookingsBetween(em, tutorId, new Date(from.getTime() - pad), new Date(to.getTime() + pad));
    return rows.map((r) => widen({ start: r.starts_at.getTime(), end: r.ends_at.getTime() }, this.bufferMinutes));
  }

  // -------------------------------------------------------------------------------------------
  // Time off
  // -------------------------------------------------------------------------------------------

  async insertTimeOff(em: EntityManager, row: TimeOffRow): Promise<void> {
    await em.query(
      `INSERT INTO bookings.time_off (id, tutor_id, starts_at, ends_at, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.id, row.tutor_id, row.starts_at, row.ends_at, row.reason, row.created_at],
    );
  }

  /** Time off not yet over at `now`, soonest first (then by id), one page (+1 row). */
  async listTimeOff(em: EntityManager, tutorId: string, now: Date, after: CursorKey | null, limit: number): Promise<TimeOffRow[]> {
    const params: unknown[] = [tutorId, now];
    let where = `tutor_id = $1 AND ends_at > $2`;
    if (after) {
      params.push(after.at, after.id);
      where += ` AND (starts_at, id) > ($3::timestamptz, $4::uuid)`;
    }
    params.push(limit + 1);
    return em.query(
      `SELECT id, tutor_id, starts_at, ends_at, reason, created_at FROM bookings.time_off WHERE ${where}
        ORDER BY starts_at, id LIMIT $${params.length}`,
      params,
    );
  }

  /** Deletes the tutor's own entry; false when there is none with that id for this tutor. */
  async deleteTimeOff(em: EntityManager, tutorId: string, id: string): Promise<boolean> {
    // Through a CTE: a bare DELETE … RETURNING comes back from TypeORM as [rows, count].
    const rows: unknown[] = await em.query(
      `WITH gone AS (DELETE FROM bookings.time_off WHERE id = $1 AND tutor_id = $2 RETURNING id) SELECT id FROM gone`,
      [id, tutorId],
    );
    return rows.length === 1;
  }
}
