import { assertBasisPoints, assertMinorUnits, BPS_SCALE } from './money';

/** PLATFORM_FEE_BPS default: 15 %. */
export const DEFAULT_PLATFORM_FEE_BPS = 1500;

export interface ReleaseSplit {
  readonly platformFee: number;
  readonly tutorAmount: number;
}

/**
 * Splits released money between the platform and the tutor; the parts sum exactly to the amount.
 *
 * The fee is rounded down: the tutor did the work, so any fraction of a minor unit is theirs and
 * the platform absorbs the rounding (at most one santim/cent per release). BigInt keeps
 * amount × bps exact even where it exceeds 2^53.
 */
export function splitRelease(amountMinor: number, platformFeeBps: number): ReleaseSplit {
  assertMinorUnits(amountMinor, 'amountMinor');
  assertBasisPoints(platformFeeBps, 'platformFeeBps');
  const platformFee = Number((BigInt(amountMinor) * BigInt(platformFeeBps)) / BigInt(BPS_SCALE));
  return { platformFee, tutorAmount: amountMinor - platformFee };
}
