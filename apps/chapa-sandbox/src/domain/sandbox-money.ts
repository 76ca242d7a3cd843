// The sandbox keeps amounts as integer minor units (2 decimals for ETB and USD) and only
// turns them back into Chapa's decimal text at its HTTP edge. Integer and string
// arithmetic only, like the real thing must be.

export const SANDBOX_CURRENCIES = ['ETB', 'USD'] as const;
export type SandboxCurrency = (typeof SANDBOX_CURRENCIES)[number];

export function isSandboxCurrency(value: unknown): value is SandboxCurrency {
  return typeof value === 'string' && (SANDBOX_CURRENCIES as readonly string[]).includes(value);
}

export type AmountParse = { ok: true; minor: number } | { ok: false; error: string };

const DECIMAL = /^(\d+)(?:\.(\d{1,2}))?$/;

/** Parses what a client may send as `amount`: "150", "150.5", "150.50" or a JSON number. */
export function parseAmount(value: unknown, field = 'amount'): AmountParse {
  if (value === undefined || value === null || value === '') return { ok: false, error: `The ${field} field is required.` };
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else return { ok: false, error: `The ${field} must be a number.` };
  const match = DECIMAL.exec(text);
  if (!match) {
    return /^\d+\.\d{3,}$/.test(text)
      ? { ok: false, error: `The ${field} must not have more than 2 decimal places.` }
      : { ok: false, error: `The ${field} must be a number.` };
  }
  const minor = BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
  if (minor === 0n) return { ok: false, error: `The ${field} must be greater than 0.` };
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, error: `The ${field} is too large.` };
  return { ok: true, minor: Number(minor) };
}

/** 150050 → "1500.50" */
export function formatMinor(minor: number): string {
  const text = BigInt(minor).toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/** 150050 → 1500.5 — the JSON number form Chapa's verify answer uses. */
export function minorToNumber(minor: number): number {
  return Number(formatMinor(minor));
}

/** Chapa's fee in the sandbox: 3.5 % of the amount, rounded half up to the minor unit. */
export function chargeFor(minor: number): number {
  return Number((BigInt(minor) * 35n + 500n) / 1000n);
}

/** "1,500.50" for people. */
export function displayMinor(minor: number): string {
  const [whole, fraction] = formatMinor(minor).split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}
