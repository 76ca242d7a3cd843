import { WEEKDAYS, type Weekday } from '@tutorhub/contracts';
import { DomainError } from './domain-error';

/**
 * A tutor's bookable time (docs/design.md §3 "Availability, slots, reschedule"): weekly hours read on the
 * tutor's wall clock in an IANA time zone, minus time off, minus their live bookings (widened by
 * the buffer), minus the minimum notice.
 *
 * What "inside the weekly hours" means, across DST: an instant is available when the tutor's wall
 * clock, at that instant, shows a weekday and time inside one of the day's ranges. So
 * - on the spring-forward day, wall times that do not exist (Berlin 02:00–03:00) are never
 *   available, and a range 01:00–04:00 lasts two real hours;
 * - on the autumn day, wall times that happen twice (Berlin 02:00–03:00) are available both
 *   times, and a range 02:00–03:00 lasts two real hours;
 * - ranges that touch across midnight (sun 22:00–24:00, mon 00:00–02:00) join into one window.
 *
 * Computation: every UTC offset in use today is a whole number of quarter hours and every
 * transition happens on a quarter hour, so within one 15-minute UTC cell the wall clock is one
 * 15-minute local cell. Weekly ranges are on a 15-minute grid, so looking at the wall clock at the
 * start of each UTC quarter hour (one `Intl.DateTimeFormat` call) decides the whole cell. No
 * time-zone library is needed: the runtime's ICU data is the tz database.
 */

export { WEEKDAYS, type Weekday };

export const GRID_MINUTES = 15;
export const MINUTE_MS = 60_000;
export const GRID_MS = GRID_MINUTES * MINUTE_MS;
export const DAY_MINUTES = 24 * 60;
const CELLS_PER_DAY = DAY_MINUTES / GRID_MINUTES;
const CELLS_PER_WEEK = 7 * CELLS_PER_DAY;
/** A slots query covers at most this many days (docs/design.md §3). */
export const MAX_SLOTS_RANGE_DAYS = 31;

/** One weekly range as stored: minutes from the local midnight, `from` < `to` ≤ 1440. */
export interface WeeklyRange {
  readonly day: Weekday;
  readonly fromMinute: number;
  readonly toMinute: number;
}

/** An instant interval, half-open `[start, end)`, in epoch milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** `"09:30"` → 570; `"24:00"` → 1440. Throws on anything else (the contract has checked the format). */
export function parseClock(value: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(value);
  if (!m) throw new DomainError('availability.invalid_time', `"${value}" is not HH:MM`, 400);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) throw new DomainError('availability.invalid_time', `"${value}" is not a time of day`, 400);
  return h * 60 + min;
}

/** 570 → `"09:30"`; 1440 → `"24:00"`. */
export function formatClock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export const describeRange = (r: WeeklyRange): string => `${r.day} ${formatClock(r.fromMinute)}–${formatClock(r.toMinute)}`;

const dayIndex = (d: Weekday): number => WEEKDAYS.indexOf(d);

/** Sorted by weekday (mon first), then start. */
export function sortRanges(ranges: readonly WeeklyRange[]): WeeklyRange[] {
  return [...ranges].sort((a, b) => dayIndex(a.day) - dayIndex(b.day) || a.fromMinute - b.fromMinute || a.toMinute - b.toMinute);
}

/**
 * Checks a week of ranges and returns them sorted. Each range: `from` < `to`, both on the
 * 15-minute grid, `to` ≤ 24:00. Ranges of one day must not overlap (touching is fine: 09:00–12:00
 * and 12:00–13:00 simply join). An empty week is valid: the tutor has set hours, and has none.
 */
export function validateWeeklyRanges(ranges: readonly WeeklyRange[]): WeeklyRange[] {
  const invalid: string[] = [];
  for (const r of ranges) {
    const onGrid = r.fromMinute % GRID_MINUTES === 0 && r.toMinute % GRID_MINUTES === 0;
    const inDay = Number.isInteger(r.fromMinute) && Number.isInteger(r.toMinute) && r.fromMinute >= 0 && r.toMinute <= DAY_MINUTES;
    if (!WEEKDAYS.includes(r.day) || !onGrid || !inDay || r.fromMinute >= r.toMinute) invalid.push(describeRange(r));
  }
  if (invalid.length > 0) {
    throw new DomainError(
      'availability.invalid_range',
      `each range must start before it ends, on a 15-minute grid, within the day: ${invalid.join(', ')}`,
      400,
      { ranges: invalid },
    );
  }
  const sorted = sortRanges(ranges);
  const overlaps: Array<[string, string]> = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].day === sorted[i].day; j++) {
      if (sorted[j].fromMinute < sorted[i].toMinute) overlaps.push([describeRange(sorted[i]), describeRange(sorted[j])]);
    }
  }
  if (overlaps.length > 0) {
    const which = overlaps.map(([a, b]) => `${a} overlaps ${b}`).join('; ');
    throw new DomainError(
      'availability.overlapping_ranges',
      `ranges on the same day must not overlap: ${which}`,
      400,
      { overlaps: overlaps.map(([a, b]) => ({ range: a, overlaps: b })) },
    );
  }
  return sorted;
}

// ---------------------------------------------------------------------------------------------
// The tutor's wall clock
// ---------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}
const SHORT_DAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Minutes since the local Monday 00:00 shown by a wall clock in `timeZone` at `instant` (0 … 10079). */
export function localMinuteOfWeek(timeZone: string, instant: number): number {
  let day = -1;
  let hour = 0;
  let minute = 0;
  for (const p of formatterFor(timeZone).formatToParts(instant)) {
    if (p.type === 'weekday') day = SHORT_DAYS[p.value] ?? -1;
    else if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'minute') minute = Number(p.value);
  }
  if (day < 0) throw new Error(`cannot read the weekday in ${timeZone}`);
  return day * DAY_MINUTES + (hour % 24) * 60 + minute;
}

/** A week of ranges as 672 quarter-hour cells (Monday 00:00 local first). */
export class WeeklySchedule {
  private readonly cells = new Uint8Array(CELLS_PER_WEEK);

  constructor(
    readonly timeZone: string,
    ranges: readonly WeeklyRange[],
  ) {
    for (const r of ranges) {
      const base = dayIndex(r.day) * CELLS_PER_DAY;
      for (let c = r.fromMinute / GRID_MINUTES; c < r.toMinute / GRID_MINUTES; c++) this.cells[base + c] = 1;
    }
  }

  /** Is the tutor's wall clock inside their weekly hours at this instant? */
  isOpenAt(instant: number): boolean {
    return this.cells[Math.floor(localMinuteOfWeek(this.timeZone, instant) / GRID_MINUTES)] === 1;
  }

  /**
   * The weekly hours as UTC intervals within `[from, to)`, merged (touching windows join, also
   * across midnight and across the end of the week).
   */
  openIntervals(from: number, to: number): Interval[] {
    const out: Array<{ start: number; end: number }> = [];
    for (let cell = floorToGrid(from); cell < to; cell += GRID_MS) {
      if (!this.isOpenAt(cell)) continue;
      const start = Math.max(cell, from);
      const end = Math.min(cell + GRID_MS, to);
      const last = out[out.length - 1];
      if (last && last.end === start) last.end = end;
      else out.push({ start, end });
    }
    return out;
  }

  /** Is every instant of `[start, end)` inside the weekly hours? */
  covers(start: number, end: number): boolean {
    if (!(end > start)) return false;
    // Each piece between the start and the quarter hours inside the interval lies in one cell.
    for (let t = start; t < end; t = floorToGrid(t) + GRID_MS) {
      if (!this.isOpenAt(t)) return false;
    }
    return true;
  }
}

export const floorToGrid = (t: number): number => Math.floor(t / GRID_MS) * GRID_MS;
export const ceilToGrid = (t: number): number => Math.ceil(t / GRID_MS) * GRID_MS;

// ---------------------------------------------------------------------------------------------
// Intervals
// ---------------------------------------------------------------------------------------------

/** Sorted, merged copies (touching intervals join). Empty intervals are dropped. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Array<{ start: number; end: number }> = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

/** `base` without any instant of `minus`. */
export function subtractIntervals(base: readonly Interval[], minus: readonly Interval[]): Interval[] {
  const cuts = mergeIntervals(minus);
  const out: Interval[] = [];
  for (const b of mergeIntervals(base)) {
    let start = b.start;
    for (const c of cuts) {
      if (c.end <= start || c.start >= b.end) continue;
      if (c.start > start) out.push({ start, end: c.start });
      start = Math.max(start, c.end);
      if (start >= b.end) break;
    }
    if (start < b.end) out.push({ start, end: b.end });
  }
  return out;
}

export const overlaps = (a: Interval, b: Interval): boolean => a.start < b.end && b.start < a.end;

/** A live booking widened by the buffer on both sides: the time no other lesson may take. */
export function widen(i: Interval, bufferMinutes: number): Interval {
  return { start: i.start - bufferMinutes * MINUTE_MS, end: i.end + bufferMinutes * MINUTE_MS };
}

// ---------------------------------------------------------------------------------------------
// Slots and the booking check
// ---------------------------------------------------------------------------------------------

export interface SlotQuery {
  /** The tutor's weekly hours; null when they never set any (then every time is open). */
  readonly schedule: WeeklySchedule | null;
  /** Time off and (already widened) live bookings. */
  readonly exclusions: readonly Interval[];
  readonly from: number;
  readonly to: number;
  readonly durationMinutes: number;
  /** No slot starts before this (now + notice). */
  readonly earliestStart: number;
  /** No slot starts after this (now + the furthest a lesson may be booked ahead). */
  readonly latestStart: number;
}

/**
 * Every start on the 15-minute UTC grid in `[from, to)` at which a lesson of `durationMinutes`
 * fits entirely inside open time, outside every exclusion, no earlier than `earliestStart` and no
 * later than `latestStart`. A lesson may run past `to` (consecutive queries list each start once)
 * and across touching windows (sun 22:00–24:00 + mon 00:00–02:00).
 */
export function computeSlots(q: SlotQuery): Interval[] {
  const duration = q.durationMinutes * MINUTE_MS;
  const firstStart = ceilToGrid(Math.max(q.from, q.earliestStart));
  const lastStart = Math.min(q.to - 1, q.latestStart);
  if (firstStart > lastStart) return [];
  // Open time is needed until the last lesson that may start ends.
  const horizon = lastStart + duration;
  const open = q.schedule ? q.schedule.openIntervals(firstStart, horizon) : [{ start: firstStart, end: horizon }];
  const free = subtractIntervals(open, q.exclusions);
  const slots: Interval[] = [];
  for (const w of free) {
    for (let s = ceilToGrid(w.start); s + duration <= w.end && s <= lastStart; s += GRID_MS) {
      slots.push({ start: s, end: s + duration });
    }
  }
  return slots;
}

/** Why a lesson at a time is not bookable, or null when it is. Time off applies with or without weekly hours. */
export function unavailabilityReason(
  schedule: WeeklySchedule | null,
  timeOff: readonly Interval[],
  lesson: Interval,
): 'outside_weekly_hours' | 'time_off' | null {
  if (schedule && !schedule.covers(lesson.start, lesson.end)) return 'outside_weekly_hours';
  if (timeOff.some((t) => overlaps(t, lesson))) return 'time_off';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Time off
// ---------------------------------------------------------------------------------------------

export const TIME_OFF_MAX_DAYS = 366;
export const TIME_OFF_MAX_AHEAD_DAYS = 2 * 365;
const DAY_MS = DAY_MINUTES * MINUTE_MS;

/**
 * Time off: ends after it starts, is not entirely in the past (starting in the past is fine: "off
 * from now until Friday"), lasts at most a year (a longer absence is better expressed by clearing
 * the weekly hours) and starts at most two years ahead.
 */
export function validateTimeOff(input: { startsAt: Date; endsAt: Date; now: Date }): Interval {
  const start = input.startsAt.getTime();
  const end = input.endsAt.getTime();
  const now = input.now.getTime();
  if (!(end > start)) throw new DomainError('time_off.invalid_range', 'endsAt must be after startsAt', 400);
  if (end <= now) throw new DomainError('time_off.in_the_past', 'time off must not be entirely in the past', 400, { now: input.now.toISOString() });
  if (end - start > TIME_OFF_MAX_DAYS * DAY_MS) {
    throw new DomainError('time_off.too_long', `time off may last at most ${TIME_OFF_MAX_DAYS} days; clear your weekly hours instead`, 400, {
      maxDays: TIME_OFF_MAX_DAYS,
    });
  }
  if (start > now + TIME_OFF_MAX_AHEAD_DAYS * DAY_MS) {
    throw new DomainError('time_off.too_far_ahead', `time off may start at most ${TIME_OFF_MAX_AHEAD_DAYS} days ahead`, 400, {
      maxAheadDays: TIME_OFF_MAX_AHEAD_DAYS,
    });
  }
  return { start, end };
}
