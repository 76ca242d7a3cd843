import { CURRENCIES, type Currency } from '@tutorhub/contracts';

// Money rules shared by every service live in libs/platform.
export { assertBasisPoints, assertMinorUnits, BPS_SCALE } from '@tutorhub/platform';
export type { Currency };

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}
