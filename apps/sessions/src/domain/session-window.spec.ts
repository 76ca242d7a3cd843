import { DEFAULT_SESSION_WINDOW_CONFIG, scheduledDuration, sessionWindow, type BookingStatus } from './session-window';

const at = (iso: string): Date => new Date(iso);
const startsAt = at('2030-03-04T10:00:00.000Z');
const endsAt = at('2030-03-04T11:00:00.000Z');
const window = sessionWindow(DEFAULT_SESSION_WINDOW_CONFIG); // 5 early, 15 late, 10 grace
const confirmed = { status: 'confirmed' as const, startsAt };

describe('defaults', () => {
  it('are 5 minutes early, 15 late, 10 grace (docs/design.md §8)', () => {
    expect(DEFAULT_SESSION_WINDOW_CONFIG).toEqual({ earlyMinutes: 5, lateMinutes: 15, overtimeGraceMinutes: 10 });
  });
});

describe('startWindow', () => {
  it('runs from startsAt − early to startsAt + late', () => {
    expect(window.startWindow(startsAt)).toEqual({
      canStartFrom: at('2030-03-04T09:55:00.000Z'),
      canStartUntil: at('2030-03-04T10:15:00.000Z'),
    });
  });

  it('collapses to the start instant with zero early and late minutes', () => {
    const strict = sessionWindow({ earlyMinutes: 0, lateMinutes: 0, overtimeGraceMinutes: 0 });
    expect(strict.startWindow(startsAt)).toEqual({ canStartFrom: startsAt, canStartUntil: startsAt });
    expect(strict.canStartAt(confirmed, startsAt).ok).toBe(true);
    expect(strict.canStartAt(confirmed, at('2030-03-04T10:00:00.001Z'))).toMatchObject({ code: 'session.too_late' });
  });
});

describe('canStartAt (both edges inclusive)', () => {
  it.each([
    ['long before', '2030-03-04T09:00:00.000Z', 'session.too_early'],
    ['1 ms before the window opens', '2030-03-04T09:54:59.999Z', 'session.too_early'],
    ['exactly when it opens', '2030-03-04T09:55:00.000Z', null],
    ['1 ms after it opens', '2030-03-04T09:55:00.001Z', null],
    ['at startsAt', '2030-03-04T10:00:00.000Z', null],
    ['1 ms before it closes', '2030-03-04T10:14:59.999Z', null],
    ['exactly when it closes', '2030-03-04T10:15:00.000Z', null],
    ['1 ms after it closes', '2030-03-04T10:15:00.001Z', 'session.too_late'],
    ['after the scheduled end', '2030-03-04T11:30:00.000Z', 'session.too_late'],
  ])('%s → %s', (_label, now, code) => {
    const decision = window.canStartAt(confirmed, at(now));
    if (code === null) {
      expect(decision.ok).toBe(true);
    } else {
      expect(decision).toMatchObject({ ok: false, code });
    }
  });

  it('always carries the window, for GET …/status', () => {
    const expected = { canStartFrom: at('2030-03-04T09:55:00.000Z'), canStartUntil: at('2030-03-04T10:15:00.000Z') };
    expect(window.canStartAt(confirmed, startsAt).window).toEqual(expected);
    expect(window.canStartAt(confirmed, at('2030-03-04T09:00:00.000Z')).window).toEqual(expected);
  });

  it('refuses with a human message besides the code', () => {
    const decision = window.canStartAt(confirmed, at('2030-03-04T09:00:00.000Z'));
    expect(decision.ok ? '' : decision.message).toMatch(/not be started yet/);
  });

  it('refuses a cancelled booking, inside or outside the window', () => {
    const cancelled = { status: 'cancelled' as const, startsAt };
    expect(window.canStartAt(cancelled, startsAt)).toMatchObject({ code: 'session.booking_cancelled' });
    expect(window.canStartAt(cancelled, at('2030-03-04T12:00:00.000Z'))).toMatchObject({ code: 'session.booking_cancelled' });
  });

  it.each<BookingStatus>(['requested', 'accepted', 'in_progress', 'completed', 'declined', 'expired', 'no_show', 'disputed'])(
    'refuses a %s booking inside the window as not confirmed',
    (status) => {
      expect(window.canStartAt({ status, startsAt }, startsAt)).toMatchObject({ code: 'session.booking_not_confirmed' });
    },
  );
});

describe('tokenExpiry and autoEndDue (inclusive)', () => {
  it('token expiry is the scheduled end plus the grace', () => {
    expect(window.tokenExpiry(endsAt)).toEqual(at('2030-03-04T11:10:00.000Z'));
  });

  it.each([
    ['at the scheduled end', '2030-03-04T11:00:00.000Z', false],
    ['1 ms before end + grace', '2030-03-04T11:09:59.999Z', false],
    ['exactly at end + grace', '2030-03-04T11:10:00.000Z', true],
    ['after end + grace', '2030-03-04T11:45:00.000Z', true],
  ])('%s → %s', (_label, now, due) => {
    expect(window.autoEndDue(endsAt, at(now))).toBe(due);
  });

  it('with no grace, tokens lapse and the session ends at the scheduled end', () => {
    const noGrace = sessionWindow({ ...DEFAULT_SESSION_WINDOW_CONFIG, overtimeGraceMinutes: 0 });
    expect(noGrace.tokenExpiry(endsAt)).toEqual(endsAt);
    expect(noGrace.autoEndDue(endsAt, endsAt)).toBe(true);
  });
});

describe('missedDue (strictly after the window closes)', () => {
  it.each([
    ['inside the window', '2030-03-04T10:05:00.000Z', false],
    ['exactly when it closes (a start is still allowed)', '2030-03-04T10:15:00.000Z', false],
    ['1 ms after it closes', '2030-03-04T10:15:00.001Z', true],
    ['hours later', '2030-03-04T18:00:00.000Z', true],
  ])('%s → %s', (_label, now, due) => {
    expect(window.missedDue(startsAt, at(now))).toBe(due);
  });

  it('is due exactly when a start would be refused as too late', () => {
    for (let offsetMs = -30 * 60_000; offsetMs <= 30 * 60_000; offsetMs += 250) {
      const now = new Date(startsAt.getTime() + offsetMs);
      const decision = window.canStartAt(confirmed, now);
      expect(window.missedDue(startsAt, now)).toBe(!decision.ok && decision.code === 'session.too_late');
    }
  });
});

describe('configuration and inputs', () => {
  it.each([
    { earlyMinutes: -1, lateMinutes: 15, overtimeGraceMinutes: 10 },
    { earlyMinutes: 5, lateMinutes: Number.NaN, overtimeGraceMinutes: 10 },
    { earlyMinutes: 5, lateMinutes: 15, overtimeGraceMinutes: Number.POSITIVE_INFINITY },
  ])('refuses %j', (config) => {
    expect(() => sessionWindow(config)).toThrow(RangeError);
  });

  it('keeps its own copy of the configuration', () => {
    const config = { earlyMinutes: 5, lateMinutes: 15, overtimeGraceMinutes: 10 };
    const bound = sessionWindow(config);
    config.lateMinutes = 60;
    expect(bound.config.lateMinutes).toBe(15);
    expect(bound.startWindow(startsAt).canStartUntil).toEqual(at('2030-03-04T10:15:00.000Z'));
  });

  it('accepts fractional minutes', () => {
    const halfMinute = sessionWindow({ earlyMinutes: 0.5, lateMinutes: 0.5, overtimeGraceMinutes: 0.5 });
    expect(halfMinute.startWindow(startsAt).canStartFrom).toEqual(at('2030-03-04T09:59:30.000Z'));
  });

  it('refuses invalid dates', () => {
    const invalid = new Date(Number.NaN);
    expect(() => window.startWindow(invalid)).toThrow(RangeError);
    expect(() => window.canStartAt(confirmed, invalid)).toThrow(RangeError);
    expect(() => window.tokenExpiry(invalid)).toThrow(RangeError);
    expect(() => window.autoEndDue(endsAt, invalid)).toThrow(RangeError);
    expect(() => window.missedDue(invalid, startsAt)).toThrow(RangeError);
  });
});

describe('scheduledDuration', () => {
  it('is the booked length in whole seconds, rounded down', () => {
    expect(scheduledDuration(startsAt, endsAt)).toBe(3600);
    expect(scheduledDuration(startsAt, at('2030-03-04T10:00:01.999Z'))).toBe(1);
  });

  it('is never negative (an end before the start counts as zero)', () => {
    expect(scheduledDuration(endsAt, startsAt)).toBe(0);
  });
});
