import { DomainError } from './domain-error';
import { assertValidDuration } from './duration';
import { assertMinorUnits } from './money';

/**
 * Price of a lesson in minor units: hourly rate × duration / 60, rounded to the nearest minor
 * unit with ties going up (half-up).
 *
 * Why half-up: it is the rounding students and tutors know from shop prices, the error is at
 * most half a santim/cent, and the student sees the exact price before booking, so nobody is
 * surprised later. Durations are quarter hours, so the exact value is a multiple of ¼ minor unit:
 * .25 rounds down, .5 and .75 round up. The arithmetic is done in BigInt so that no rate, however
 * large, goes through a float; a result beyond Number.MAX_SAFE_INTEGER is refused.
 *
 * A rate of 0 prices at 0; whether a free lesson is allowed is the tutor profile's rule, not this one.
 */
export function priceFor(hourlyRateMinor: number, durationMinutes: number): number {
  assertMinorUnits(hourlyRateMinor, 'hourlyRateMinor');
  assertValidDuration(durationMinutes);
  const numerator = BigInt(hourlyRateMinor) * BigInt(durationMinutes);
  const price = (numerator * 2n + 60n) / 120n; // floor(n / 60 + 1/2)
  if (price > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DomainError('money.out_of_range', 'price exceeds the largest representable amount', 422, {
      hourlyRateMinor,
      durationMinutes,
    });
  }
  return Number(price);
}

/**
 * A booking must cost something: payments cannot hold, split or refund a zero amount (Chapa
 * refuses one, and a zero escrow would dead-letter `booking.accepted`). A rate so low that the
 * lesson rounds to 0 is refused when the student books (422), not discovered downstream.
 */
export function assertPayablePrice(priceMinor: number, input: { hourlyRateMinor: number; durationMinutes: number }): void {
  if (priceMinor < 1) {
    throw new DomainError('booking.price_too_low', "This lesson would cost nothing at the tutor's rate; choose a longer lesson or another tutor.", 422, {
      priceMinor,
      ...input,
    });
  }
}
