import { DomainError } from './domain-error';

/** Lessons are booked in quarter hours, from 15 minutes to 4 hours. */
export const MIN_DURATION_MINUTES = 15;
export const MAX_DURATION_MINUTES = 240;
export const DURATION_STEP_MINUTES = 15;

/** Throws `booking.invalid_duration` (422) unless 15 ≤ minutes ≤ 240 and a multiple of 15. */
export function assertValidDuration(durationMinutes: number): void {
  if (
    !Number.isInteger(durationMinutes) ||
    durationMinutes < MIN_DURATION_MINUTES ||
    durationMinutes > MAX_DURATION_MINUTES ||
    durationMinutes % DURATION_STEP_MINUTES !== 0
  ) {
    throw new DomainError(
      'booking.invalid_duration',
      `duration must be ${MIN_DURATION_MINUTES}–${MAX_DURATION_MINUTES} minutes in steps of ${DURATION_STEP_MINUTES}`,
      422,
      { durationMinutes },
    );
  }
}
