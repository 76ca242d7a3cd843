import { DomainError } from './errors';

/*
 * Money is integer minor units (santim, cents) in a plain `number`: every amount we handle is
 * far below 2^53, so safe integers are exact, and refusing anything else keeps floats and
 * precision loss out of prices for good. Mirrors the contracts' moneySchema bounds.
 */

/** Throws `money.invalid_amount` (400) unless `value` is a safe, non-negative integer. */
export function assertMinorUnits(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DomainError('money.invalid_amount', `${field} must be a non-negative safe integer number of minor units`, 400, {
      field,
      value,
    });
  }
}

/** 10000 basis points = 100 %. */
export const BPS_SCALE = 10_000;

/** Throws `money.invalid_basis_points` (400) unless `value` is an integer in [min, max]. */
export function assertBasisPoints(value: number, field: string, min = 0, max = BPS_SCALE): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DomainError('money.invalid_basis_points', `${field} must be an integer number of basis points from ${min} to ${max}`, 400, {
      field,
      value,
      min,
      max,
    });
  }
}
