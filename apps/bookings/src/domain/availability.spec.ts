import fc from 'fast-check';
import {
  GRID_MS,
  MINUTE_MS,
  WEEKDAYS,
  WeeklySchedule,
  computeSlots,
  formatClock,
  localMinuteOfWeek,
  mergeIntervals,
  parseClock,
  subtractIntervals,
  unavailabilityReason,
  validateTimeOff,
  validateWeeklyRanges,
  widen,
  type Interval,
  type WeeklyRange,
  type Weekday,
} from './availability';

const HOUR = 60 * MINUTE_MS;
const DAY = 24 * HOUR;
const t = (iso: string) => new Date(iso).getTime();
const iso = (ms: number) => new Date(ms).toISOString();
const r = (day: Weekday, from: string, to: string): WeeklyRange => ({ day, fromMinute: parseClock(from), toMinute: parseClock(to) });
const show = (xs: Interval[]) => xs.map((i) => `${iso(i.start)}/${iso(i.end)}`);

/** Slots for a whole range with no notice, no horizon and no exclusions unless given. */
function slots(schedule: WeeklySchedule | null, from: string, to: string, durationMinutes: number, exclusions: Interval[] = []): Interval[] {
  return computeSlots({ schedule, exclusions, from: t(from), to: t(to), durationMinutes, earliestStart: 0, latestStart: Number.MAX_SAFE_INTEGER });
}

describe('availability: clock and weekly ranges', () => {
  it('parses and prints HH:MM, 24:00 included', () => {
    expect(parseClock('00:00')).toBe(0);
    expect(parseClock('09:30')).toBe(570);
    expect(parseClock('24:00')).toBe(1440);
    expect(formatClock(1440)).toBe('24:00');
    expect(formatClock(570)).toBe('09:30');
    for (const bad of ['9:30', '24:15', '12:60', '25:00', 'noon']) expect(() => parseClock(bad)).toThrow();
  });

  it('sorts a valid week (mon first) and accepts an empty one', () => {
    expect(validateWeeklyRanges([r('sun', '22:00', '24:00'), r('mon', '13:00', '15:00'), r('mon', '09:00', '12:30')])).toEqual([
      r('mon', '09:00', '12:30'),
      r('mon', '13:00', '15:00'),
      r('sun', '22:00', '24:00'),
    ]);
    expect(validateWeeklyRanges([])).toEqual([]);
  });

  it('lets ranges touch but refuses overlaps, naming both ranges', () => {
    expect(validateWeeklyRanges([r('tue', '09:00', '12:00'), r('tue', '12:00', '13:00')])).toHaveLength(2);
    let caught: unknown;
    try {
      validateWeeklyRanges([r('mon', '09:00', '12:30'), r('tue', '09:00', '12:30'), r('mon', '12:00', '14:00')]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({
      status: 400,
      code: 'availability.overlapping_ranges',
      details: { overlaps: [{ range: 'mon 09:00–12:30', overlaps: 'mon 12:00–14:00' }] },
    });
    expect((caught as Error).message).toContain('mon 09:00–12:30 overlaps mon 12:00–14:00');
    expect(() => validateWeeklyRanges([r('wed', '10:00', '11:00'), r('wed', '10:00', '11:00')])).toThrow(/overlap/);
    // A range inside another overlaps it too (not only the neighbour).
    expect(() => validateWeeklyRanges([r('wed', '08:00', '18:00'), r('wed', '09:00', '10:00'), r('wed', '11:00', '12:00')])).toThrow(
      /08:00–18:00 overlaps wed 09:00–10:00; wed 08:00–18:00 overlaps wed 11:00–12:00/,
    );
  });

  it('refuses empty, reversed and off-grid ranges', () => {
    for (const bad of [r('mon', '10:00', '10:00'), r('mon', '11:00', '10:00'), r('mon', '10:10', '11:00'), r('mon', '10:00', '10:20')]) {
      expect(() => validateWeeklyRanges([bad])).toThrow(expect.objectContaining({ status: 400, code: 'availability.invalid_range' }));
    }
  });
});

describe('availability: the wall clock', () => {
  it('reads the local weekday and time (Addis Ababa is UTC+3 all year)', () => {
    // 2030-01-07 is a Monday.
    expect(localMinuteOfWeek('Africa/Addis_Ababa', t('2030-01-07T06:00:00Z'))).toBe(9 * 60);
    expect(localMinuteOfWeek('Africa/Addis_Ababa', t('2030-01-06T21:00:00Z'))).toBe(0); // Monday 00:00 local
    expect(localMinuteOfWeek('Africa/Addis_Ababa', t('2030-01-06T20:45:00Z'))).toBe(7 * 1440 - 15); // Sunday 23:45
    expect(localMinuteOfWeek('Asia/Kathmandu', t('2030-01-07T00:00:00Z'))).toBe(5 * 60 + 45);
  });

  it('turns weekly hours into UTC windows in the tutor’s zone', () => {
    const s = new WeeklySchedule('Africa/Addis_Ababa', [r('mon', '09:00', '12:30')]);
    expect(show(s.openIntervals(t('2030-01-07T00:00:00Z'), t('2030-01-14T00:00:00Z')))).toEqual(['2030-01-07T06:00:00.000Z/2030-01-07T09:30:00.000Z']);
  });
});

describe('availability: DST (Europe/Berlin, 2030)', () => {
  // Spring: Sunday 2030-03-31, 02:00 CET → 03:00 CEST at 01:00 UTC. Autumn: Sunday 2030-10-27,
  // 03:00 CEST → 02:00 CET at 01:00 UTC.
  const berlin = (ranges: WeeklyRange[]) => new WeeklySchedule('Europe/Berlin', ranges);

  it('a range inside the skipped hour has no time on the spring-forward day, an hour on other Sundays', () => {
    const s = berlin([r('sun', '02:00', '03:00')]);
    expect(show(s.openIntervals(t('2030-03-30T12:00:00Z'), t('2030-04-01T00:00:00Z')))).toEqual([]);
    expect(show(s.openIntervals(t('2030-03-23T12:00:00Z'), t('2030-03-25T00:00:00Z')))).toEqual(['2030-03-24T01:00:00.000Z/2030-03-24T02:00:00.000Z']);
    expect(show(s.openIntervals(t('2030-04-06T12:00:00Z'), t('2030-04-08T00:00:00Z')))).toEqual(['2030-04-07T00:00:00.000Z/2030-04-07T01:00:00.000Z']);
    expect(slots(s, '2030-03-30T00:00:00Z', '2030-04-01T00:00:00Z', 15)).toEqual([]);
  });

  it('a range across the spring change lasts its real length (01:00–04:00 is two hours)', () => {
    const s = berlin([r('sun', '01:00', '04:00')]);
    expect(show(s.openIntervals(t('2030-03-30T12:00:00Z'), t('2030-04-01T00:00:00Z')))).toEqual(['2030-03-31T00:00:00.000Z/2030-03-31T02:00:00.000Z']);
    const hourLessons = slots(s, '2030-03-30T12:00:00Z', '2030-04-01T00:00:00Z', 60);
    expect(hourLessons.map((x) => iso(x.start))).toEqual([
      '2030-03-31T00:00:00.000Z',
      '2030-03-31T00:15:00.000Z',
      '2030-03-31T00:30:00.000Z',
      '2030-03-31T00:45:00.000Z',
      '2030-03-31T01:00:00.000Z',
    ]);
    expect(slots(s, '2030-03-30T12:00:00Z', '2030-04-01T00:00:00Z', 180)).toEqual([]);
  });

  it('the repeated autumn hour is open both times (02:00–03:00 lasts two real hours)', () => {
    const s = berlin([r('sun', '02:00', '03:00')]);
    expect(show(s.openIntervals(t('2030-10-26T12:00:00Z'), t('2030-10-28T00:00:00Z')))).toEqual(['2030-10-27T00:00:00.000Z/2030-10-27T02:00:00.000Z']);
    expect(slots(s, '2030-10-26T12:00:00Z', '2030-10-28T00:00:00Z', 120).map((x) => show([x])[0])).toEqual([
      '2030-10-27T00:00:00.000Z/2030-10-27T02:00:00.000Z',
    ]);
  });

  it('an evening range keeps its wall-clock time either side of the change', () => {
    const s = berlin([r('sat', '18:00', '19:00'), r('sun', '18:00', '19:00')]);
    expect(show(s.openIntervals(t('2030-10-26T00:00:00Z'), t('2030-10-28T00:00:00Z')))).toEqual([
      '2030-10-26T16:00:00.000Z/2030-10-26T17:00:00.000Z',
      '2030-10-27T17:00:00.000Z/2030-10-27T18:00:00.000Z',
    ]);
  });
});

describe('availability: slots', () => {
  const utc = (ranges: WeeklyRange[]) => new WeeklySchedule('UTC', ranges);

  it('joins windows that touch across midnight, so a lesson may span them', () => {
    // 2030-01-06 is a Sunday.
    const s = utc([r('sun', '22:00', '24:00'), r('mon', '00:00', '02:00')]);
    const four = slots(s, '2030-01-06T00:00:00Z', '2030-01-07T12:00:00Z', 240);
    expect(show(four)).toEqual(['2030-01-06T22:00:00.000Z/2030-01-07T02:00:00.000Z']);
    expect(s.covers(t('2030-01-06T23:00:00Z'), t('2030-01-07T01:00:00Z'))).toBe(true);
    // And across the end of the week as well as the middle of it.
    expect(s.covers(t('2030-01-06T21:45:00Z'), t('2030-01-07T01:00:00Z'))).toBe(false);
  });

  it('lists every quarter-hour start that fits, a lesson may end after `to`, none starts at `to`', () => {
    const s = utc([r('mon', '09:00', '11:00')]);
    const got = slots(s, '2030-01-07T09:00:00Z', '2030-01-07T10:00:00Z', 60);
    expect(got.map((x) => iso(x.start))).toEqual(['2030-01-07T09:00:00.000Z', '2030-01-07T09:15:00.000Z', '2030-01-07T09:30:00.000Z', '2030-01-07T09:45:00.000Z']);
    expect(iso(got[3].end)).toBe('2030-01-07T10:45:00.000Z');
  });

  it('rounds an off-grid `from` up to the grid', () => {
    const got = slots(null, '2030-01-07T09:07:00Z', '2030-01-07T09:40:00Z', 15);
    expect(got.map((x) => iso(x.start))).toEqual(['2030-01-07T09:15:00.000Z', '2030-01-07T09:30:00.000Z']);
  });

  it('a tutor who never set hours is open at any time; exclusions, notice and horizon still apply', () => {
    const booking = widen({ start: t('2030-01-07T10:00:00Z'), end: t('2030-01-07T11:00:00Z') }, 15);
    const got = computeSlots({
      schedule: null,
      exclusions: [booking],
      from: t('2030-01-07T08:00:00Z'),
      to: t('2030-01-07T13:00:00Z'),
      durationMinutes: 60,
      earliestStart: t('2030-01-07T08:20:00Z'),
      latestStart: t('2030-01-07T12:00:00Z'),
    });
    expect(got.map((x) => iso(x.start))).toEqual([
      '2030-01-07T08:30:00.000Z',
      '2030-01-07T08:45:00.000Z',
      '2030-01-07T11:15:00.000Z',
      '2030-01-07T11:30:00.000Z',
      '2030-01-07T11:45:00.000Z',
      '2030-01-07T12:00:00.000Z',
    ]);
  });

  it('an empty week (hours set, none) has no slots at all', () => {
    expect(slots(utc([]), '2030-01-07T00:00:00Z', '2030-02-07T00:00:00Z', 15)).toEqual([]);
  });

  it('says why a lesson is not bookable', () => {
    const s = utc([r('mon', '09:00', '12:00')]);
    const off = [{ start: t('2030-01-07T11:00:00Z'), end: t('2030-01-07T11:30:00Z') }];
    expect(unavailabilityReason(s, off, { start: t('2030-01-07T09:00:00Z'), end: t('2030-01-07T10:00:00Z') })).toBeNull();
    expect(unavailabilityReason(s, off, { start: t('2030-01-07T08:45:00Z'), end: t('2030-01-07T09:45:00Z') })).toBe('outside_weekly_hours');
    expect(unavailabilityReason(s, off, { start: t('2030-01-07T11:20:00Z'), end: t('2030-01-07T12:00:00Z') })).toBe('time_off');
    expect(unavailabilityReason(null, off, { start: t('2030-01-07T10:50:00Z'), end: t('2030-01-07T11:05:00Z') })).toBe('time_off');
    expect(unavailabilityReason(null, off, { start: t('2030-01-07T11:30:00Z'), end: t('2030-01-07T12:30:00Z') })).toBeNull();
    // Off the grid: 11:55–12:05 leaves the window at 12:00.
    expect(unavailabilityReason(s, [], { start: t('2030-01-07T11:55:00Z'), end: t('2030-01-07T12:05:00Z') })).toBe('outside_weekly_hours');
    expect(unavailabilityReason(s, [], { start: t('2030-01-07T09:07:00Z'), end: t('2030-01-07T11:52:00Z') })).toBeNull();
  });
});

describe('availability: intervals', () => {
  it('merges and subtracts', () => {
    const a = [
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 30, end: 40 },
    ];
    expect(mergeIntervals(a)).toEqual([
      { start: 0, end: 20 },
      { start: 30, end: 40 },
    ]);
    expect(
      subtractIntervals(a, [
        { start: 5, end: 8 },
        { start: 15, end: 35 },
      ]),
    ).toEqual([
      { start: 0, end: 5 },
      { start: 8, end: 15 },
      { start: 35, end: 40 },
    ]);
    expect(subtractIntervals(a, [{ start: -5, end: 50 }])).toEqual([]);
  });
});

describe('availability: time off', () => {
  const now = new Date('2030-01-07T08:00:00Z');
  it('accepts a range not entirely past, up to a year long', () => {
    expect(validateTimeOff({ startsAt: new Date('2030-01-07T07:00:00Z'), endsAt: new Date('2030-01-10T00:00:00Z'), now })).toEqual({
      start: t('2030-01-07T07:00:00Z'),
      end: t('2030-01-10T00:00:00Z'),
    });
  });
  it.each([
    ['2030-01-09T00:00:00Z', '2030-01-09T00:00:00Z', 'time_off.invalid_range'],
    ['2030-01-09T00:00:00Z', '2030-01-08T00:00:00Z', 'time_off.invalid_range'],
    ['2030-01-01T00:00:00Z', '2030-01-07T08:00:00Z', 'time_off.in_the_past'],
    ['2030-01-08T00:00:00Z', '2031-01-10T00:00:00Z', 'time_off.too_long'],
    ['2032-01-08T00:00:00Z', '2032-01-10T00:00:00Z', 'time_off.too_far_ahead'],
  ])('refuses %s → %s (%s)', (startsAt, endsAt, code) => {
    expect(() => validateTimeOff({ startsAt: new Date(startsAt), endsAt: new Date(endsAt), now })).toThrow(expect.objectContaining({ status: 400, code }));
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, against an oracle that reads the wall clock another way (full local date parts)
// ---------------------------------------------------------------------------------------------

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Africa/Addis_Ababa', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns'];

const oracleFormats = new Map<string, Intl.DateTimeFormat>();
function oracleOpen(timeZone: string, cells: boolean[], instant: number): boolean {
  let f = oracleFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    oracleFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute));
  const weekday = (new Date(local).getUTCDay() + 6) % 7; // Monday 0
  const minuteOfDay = Number(p.hour) * 60 + Number(p.minute);
  return cells[weekday * 96 + Math.floor(minuteOfDay / 15)];
}

/** A random week drawn as quarter-hour cells, turned into non-overlapping ranges. */
function rangesFromCells(cells: boolean[]): WeeklyRange[] {
  const out: WeeklyRange[] = [];
  for (let d = 0; d < 7; d++) {
    let c = 0;
    while (c < 96) {
      if (!cells[d * 96 + c]) {
        c++;
        continue;
      }
      const from = c;
      while (c < 96 && cells[d * 96 + c]) c++;
      out.push({ day: WEEKDAYS[d], fromMinute: from * 15, toMinute: c * 15 });
    }
  }
  return out;
}

// Hours mostly in blocks (so lessons fit), with DST days of the zones above likely in range.
const cellsArb = fc
  .array(fc.record({ start: fc.integer({ min: 0, max: 7 * 96 - 1 }), len: fc.integer({ min: 1, max: 40 }) }), { maxLength: 12 })
  .map((blocks) => {
    const cells = Array<boolean>(7 * 96).fill(false);
    for (const b of blocks) for (let i = b.start; i < Math.min(7 * 96, b.start + b.len); i++) cells[i] = true;
    return cells;
  });
const fromArb = fc.oneof(
  fc.integer({ min: t('2029-01-01T00:00:00Z'), max: t('2031-12-31T00:00:00Z') }),
  // Around the 2030 changes in Europe, North America and Lord Howe.
  fc.constantFrom(t('2030-03-29T00:00:00Z'), t('2030-10-25T00:00:00Z'), t('2030-03-08T00:00:00Z'), t('2030-10-31T00:00:00Z'), t('2030-04-05T00:00:00Z')),
);
const exclusionArb = fc.array(fc.record({ offset: fc.integer({ min: 0, max: 4 * DAY }), len: fc.integer({ min: 1, max: 6 * HOUR }) }), { maxLength: 5 });

describe('availability: properties', () => {
  it('every slot is on the grid, in range, inside the hours, outside exclusions, after notice; and every such start is listed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        cellsArb,
        fromArb,
        fc.integer({ min: 1, max: 4 * 24 }).map((q) => q * GRID_MS), // range length
        fc.integer({ min: 1, max: 16 }).map((q) => q * 15), // duration
        exclusionArb,
        fc.integer({ min: 0, max: 2 * DAY }),
        (zone, cells, from, length, durationMinutes, ex, notice) => {
          const schedule = new WeeklySchedule(zone, rangesFromCells(cells));
          const to = from + length;
          const exclusions = ex.map((e) => ({ start: from + e.offset, end: from + e.offset + e.len }));
          const earliestStart = from + notice;
          const latestStart = from + 3 * DAY;
          const got = computeSlots({ schedule, exclusions, from, to, durationMinutes, earliestStart, latestStart });
          const duration = durationMinutes * MINUTE_MS;
          const fits = (s: number) => {
            if (s < earliestStart || s > latestStart || s < from || s >= to) return false;
            for (let c = s; c < s + duration; c += GRID_MS) if (!oracleOpen(zone, cells, c)) return false;
            return !exclusions.some((e) => e.start < s + duration && s < e.end);
          };
          for (const slot of got) {
            expect(slot.start % GRID_MS).toBe(0);
            expect(slot.end - slot.start).toBe(duration);
            expect(fits(slot.start)).toBe(true);
            expect(unavailabilityReason(schedule, exclusions, slot)).toBeNull();
          }
          const expected: number[] = [];
          for (let s = Math.ceil(from / GRID_MS) * GRID_MS; s < to; s += GRID_MS) if (fits(s)) expected.push(s);
          expect(got.map((s) => s.start)).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('covers() agrees with the oracle for any instants, on the grid or not', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        cellsArb,
        fromArb,
        fc.integer({ min: 1, max: 8 * HOUR / MINUTE_MS }),
        (zone, cells, anyStart, minutes) => {
          const start = Math.floor(anyStart / MINUTE_MS) * MINUTE_MS;
          const schedule = new WeeklySchedule(zone, rangesFromCells(cells));
          const end = start + minutes * MINUTE_MS;
          let expected = true;
          for (let m = start; m < end; m += MINUTE_MS) if (!oracleOpen(zone, cells, m)) expected = false;
          expect(schedule.covers(start, end)).toBe(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
