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

/**
 * A stored amount (Postgres bigint arrives as a string) as a plain number. Money is a safe
 * integer or a bug, so anything else throws a plain Error (an internal error, not a caller's).
 */
export function toSafeInt(value: string | number, field = 'amount'): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${field} is not a safe integer: ${String(value)}`);
  return n;
}

/** `toSafeInt` for a nullable amount column or aggregate: NULL (a SUM over no rows) is 0. */
export function minor(value: string | number | null | undefined, field = 'amount'): number {
  return value === null || value === undefined ? 0 : toSafeInt(value, field);
}
