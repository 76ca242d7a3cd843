// The only place where tutorhub's integer minor units meet Chapa's decimal amounts.
// Chapa speaks decimal strings ("150.00") in requests and webhooks and sometimes JSON
// numbers (150, 3.5) in verify answers; everything inside tutorhub is an integer number
// of minor units. Conversions here use string and BigInt arithmetic only: a float never
// carries money, so 0.1 + 0.2 style surprises cannot happen.

export const CHAPA_CURRENCIES = ['ETB', 'USD'] as const;
export type ChapaCurrency = (typeof CHAPA_CURRENCIES)[number];

/** Both currencies Chapa settles in have two decimal places (santim / cents). */
const MINOR_DIGITS: Record<ChapaCurrency, number> = { ETB: 2, USD: 2 };

export class InvalidChapaAmountError extends Error {
  override readonly name = 'InvalidChapaAmountError';
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

export function isChapaCurrency(value: unknown): value is ChapaCurrency {
  return typeof value === 'string' && (CHAPA_CURRENCIES as readonly string[]).includes(value);
}

function digitsOf(currency: ChapaCurrency): number {
  if (!isChapaCurrency(currency)) {
    throw new InvalidChapaAmountError(`unsupported Chapa currency ${JSON.stringify(currency)}`, currency);
  }
  return MINOR_DIGITS[currency];
}

/**
 * 150000 ETB minor units → "1500.00". Rejects anything that is not a non-negative safe
 * integer, because a fractional or unsafe "minor" amount is a bug upstream, not something
 * to round.
 */
export function toChapaAmount(amountMinor: number, currency: ChapaCurrency): string {
  const digits = digitsOf(currency);
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    throw new InvalidChapaAmountError(
      `amountMinor must be a non-negative safe integer, got ${String(amountMinor)}`,
      amountMinor,
    );
  }
  const text = BigInt(amountMinor).toString().padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * "1500.00" | "1500" | "1500.5" | 1500.5 → 150050 minor units. Rejects negatives, NaN,
 * Infinity, exponent notation ("1e3", which is also what String() makes of huge or tiny
 * numbers), signs, spaces, empty strings and more decimals than the currency has — even
 * "1.000": a value we cannot represent exactly is refused, never rounded.
 */
export function fromChapaAmount(value: string | number, currency: ChapaCurrency): number {
  const digits = digitsOf(currency);
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new InvalidChapaAmountError(`amount is not a finite number: ${String(value)}`, value);
    }
    // String() gives the shortest text that round-trips, so 1234.56 stays "1234.56".
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    throw new InvalidChapaAmountError(`amount must be a string or number, got ${typeof value}`, value);
  }
  const match = DECIMAL.exec(text);
  if (!match) {
    throw new InvalidChapaAmountError(`not a plain non-negative decimal amount: ${JSON.stringify(text)}`, value);
  }
  const [, whole, fraction = ''] = match;
  if (fraction.length > digits) {
    throw new InvalidChapaAmountError(
      `amount ${JSON.stringify(text)} has more than ${digits} decimals for ${currency}`,
      value,
    );
  }
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidChapaAmountError(`amount ${JSON.stringify(text)} is too large`, value);
  }
  return Number(minor);
}
