import { accept, refuse, type Outcome } from './session-errors';

/** SESSION_START_EARLY_MINUTES, SESSION_START_LATE_MINUTES, SESSION_OVERTIME_GRACE_MINUTES. */
export interface SessionWindowConfig {
  readonly earlyMinutes: number;
  readonly lateMinutes: number;
  readonly overtimeGraceMinutes: number;
}

export const DEFAULT_SESSION_WINDOW_CONFIG: SessionWindowConfig = {
  earlyMinutes: 5,
  lateMinutes: 15,
  overtimeGraceMinutes: 10,
};

/** Every booking status of docs/design.md §3; the sessions read model only ever holds a few of them. */
export type BookingStatus =
  | 'requested'
  | 'accepted'
  | 'confirmed'
  | 'in_progress'
  | 'completed'
  | 'cancelled'
  | 'declined'
  | 'expired'
  | 'no_show'
  | 'disputed';

export interface BookingTimes {
  readonly status: BookingStatus;
  readonly startsAt: Date;
}

export interface StartWindow {
  readonly canStartFrom: Date;
  readonly canStartUntil: Date;
}

export type StartDecision = Outcome<StartWindow> & { readonly window: StartWindow };

export interface SessionWindow {
  readonly config: SessionWindowConfig;
  /** Both ends are inclusive: a start at exactly `canStartFrom` or `canStartUntil` is allowed. */
  startWindow(startsAt: Date): StartWindow;
  /**
   * Whether a new session may be started for this booking now. Only consulted when the
   * booking has no session yet: joining, or "starting" a session the other party already
   * started, is governed by the session state (attendance.ts), not by this window.
   * Checks, in order: cancelled, not confirmed, too early, too late.
   */
  canStartAt(booking: BookingTimes, now: Date): StartDecision;
  /** When the session's tokens stop working and the system ends it: scheduled end + grace. */
  tokenExpiry(endsAt: Date): Date;
  /** True from `tokenExpiry(endsAt)` on, inclusive: the instant the tokens lapse, the session is over. */
  autoEndDue(endsAt: Date, now: Date): boolean;
  /**
   * True once the start window has closed, i.e. strictly after `canStartUntil` (at exactly
   * `canStartUntil` a start is still allowed, so the booking is not missed yet). The caller
   * adds the other half of the rule: the booking has no session.
   */
  missedDue(startsAt: Date, now: Date): boolean;
}

const MINUTE_MS = 60_000;

function checkTime(name: string, value: Date): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(`session window: ${name} must be a valid Date`);
  }
  return ms;
}

function checkMinutes(name: keyof SessionWindowConfig, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`session window: ${name} must be a finite number ≥ 0, got ${value}`);
  }
  return value * MINUTE_MS;
}

export function sessionWindow(config: SessionWindowConfig): SessionWindow {
  const earlyMs = checkMinutes('earlyMinutes', config.earlyMinutes);
  const lateMs = checkMinutes('lateMinutes', config.lateMinutes);
  const graceMs = checkMinutes('overtimeGraceMinutes', config.overtimeGraceMinutes);
  const frozen: SessionWindowConfig = Object.freeze({ ...config });

  const startWindow = (startsAt: Date): StartWindow => {
    const start = checkTime('startsAt', startsAt);
    return { canStartFrom: new Date(start - earlyMs), canStartUntil: new Date(start + lateMs) };
  };

  const tokenExpiry = (endsAt: Date): Date => new Date(checkTime('endsAt', endsAt) + graceMs);

  return {
    config: frozen,
    startWindow,
    canStartAt(booking, now) {
      const window = startWindow(booking.startsAt);
      const at = checkTime('now', now);
      if (booking.status === 'cancelled') return { ...refuse('session.booking_cancelled'), window };
      if (booking.status !== 'confirmed') return { ...refuse('session.booking_not_confirmed'), window };
      if (at < window.canStartFrom.getTime()) return { ...refuse('session.too_early'), window };
      if (at > window.canStartUntil.getTime()) return { ...refuse('session.too_late'), window };
      return { ...accept(window), window };
    },
    tokenExpiry,
    autoEndDue(endsAt, now) {
      return checkTime('now', now) >= tokenExpiry(endsAt).getTime();
    },
    missedDue(startsAt, now) {
      return checkTime('now', now) > startWindow(startsAt).canStartUntil.getTime();
    },
  };
}

/** The lesson's booked length in whole seconds (never negative), as the session and its end event carry it. */
export function scheduledDuration(startsAt: Date, endsAt: Date): number {
  return Math.max(0, Math.floor((endsAt.getTime() - startsAt.getTime()) / 1000));
}
