import type { BookingStatus } from './booking-status';
import { DomainError } from './domain-error';
import { assertValidDuration } from './duration';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export interface BookingRulesConfig {
  /** BOOKING_MIN_NOTICE_MINUTES: how far ahead a lesson must be requested (0 allowed). */
  readonly minNoticeMinutes: number;
  /** BOOKING_ACCEPT_DEADLINE_MINUTES: the tutor must accept by startsAt − this (0 allowed). */
  readonly acceptDeadlineMinutes: number;
  /**
   * How far ahead a lesson may be booked. 180 days covers a term of weekly lessons booked in
   * one go; beyond that a tutor's availability and rate are not a promise anyone can keep, and
   * it stops a typo'd year from blocking a slot forever.
   */
  readonly maxAdvanceDays: number;
}

export const DEFAULT_BOOKING_RULES: BookingRulesConfig = {
  minNoticeMinutes: 60,
  acceptDeadlineMinutes: 60,
  maxAdvanceDays: 180,
};

export interface BookingTimes {
  readonly startsAt: Date;
  readonly endsAt: Date;
}

/** The part of a booking the expiry checks need. */
export interface BookingSchedule {
  readonly status: BookingStatus;
  readonly startsAt: Date;
}

function assertValidDate(value: Date, field: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new DomainError('booking.invalid_time', `${field} must be a valid date`, 400, { field });
  }
}

function assertNonNegativeNumber(value: number, field: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new DomainError('config.invalid', `${field} must be a non-negative number`, 500, { field, value });
  }
}

/**
 * Time rules of a booking request. Deadlines are inclusive: "accepted by T" means an accept at
 * exactly T is in time and the request expires only once now > T; the same holds for payment.
 */
export class BookingRules {
  constructor(readonly config: BookingRulesConfig = DEFAULT_BOOKING_RULES) {
    assertNonNegativeNumber(config.minNoticeMinutes, 'minNoticeMinutes');
    assertNonNegativeNumber(config.acceptDeadlineMinutes, 'acceptDeadlineMinutes');
    assertNonNegativeNumber(config.maxAdvanceDays, 'maxAdvanceDays');
  }

  /**
   * Checks a new request and returns its times.
   *
   * The earliest start is now + max(minNotice, acceptDeadline): a request whose accept deadline
   * has already passed could only ever expire, so it is refused with a clear error instead
   * (this matters when the operator sets min notice below the accept deadline).
   * The latest start is now + maxAdvanceDays, inclusive.
   */
  validateNewBooking(input: { startsAt: Date; durationMinutes: number; now: Date }): BookingTimes {
    const { startsAt, durationMinutes, now } = input;
    assertValidDate(startsAt, 'startsAt');
    assertValidDate(now, 'now');
    assertValidDuration(durationMinutes);

    const noticeMinutes = Math.max(this.config.minNoticeMinutes, this.config.acceptDeadlineMinutes);
    const earliest = new Date(now.getTime() + noticeMinutes * MINUTE_MS);
    if (startsAt.getTime() < earliest.getTime()) {
      throw new DomainError('booking.too_soon', `a lesson must be booked at least ${noticeMinutes} minutes ahead`, 422, {
        earliestStartsAt: earliest.toISOString(),
      });
    }
    const latest = new Date(now.getTime() + this.config.maxAdvanceDays * DAY_MS);
    if (startsAt.getTime() > latest.getTime()) {
      throw new DomainError(
        'booking.too_far_ahead',
        `a lesson may be booked at most ${this.config.maxAdvanceDays} days ahead`,
        422,
        { latestStartsAt: latest.toISOString() },
      );
    }
    return { startsAt: new Date(startsAt.getTime()), endsAt: new Date(startsAt.getTime() + durationMinutes * MINUTE_MS) };
  }

  /** The tutor must accept by this instant (inclusive). */
  acceptDeadline(startsAt: Date): Date {
    return new Date(startsAt.getTime() - this.config.acceptDeadlineMinutes * MINUTE_MS);
  }

  /** The student must pay by this instant (inclusive): the lesson's start. */
  paymentDeadline(startsAt: Date): Date {
    return new Date(startsAt.getTime());
  }

  /** True when a still `requested` booking has missed its accept deadline. */
  isAcceptExpired(booking: BookingSchedule, now: Date): boolean {
    return booking.status === 'requested' && now.getTime() > this.acceptDeadline(booking.startsAt).getTime();
  }

  /** True when an `accepted` (so not yet paid) booking has missed its payment deadline. */
  isPaymentExpired(booking: BookingSchedule, now: Date): boolean {
    return booking.status === 'accepted' && now.getTime() > this.paymentDeadline(booking.startsAt).getTime();
  }
}
