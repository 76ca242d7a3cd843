import type { Money } from '@tutorhub/contracts';

/*
 * Human text for notifications. Amounts stay integers (minor units) all the way: the major
 * and minor parts are split with integer arithmetic, never through a float. Times are shown
 * in UTC with the zone named, since we do not know the reader's zone; clients that do can
 * render `data.startsAt` themselves.
 */

/** Minor units per major unit, per currency (both ETB and USD have 2 decimals). */
const MINOR_DIGITS: Record<Money['currency'], number> = { ETB: 2, USD: 2 };

/** `{ amountMinor: 150000, currency: 'ETB' }` → `ETB 1,500.00`. */
export function formatMoney(money: Money): string {
  const { amountMinor, currency } = money;
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    throw new RangeError(`amountMinor must be a non-negative safe integer, got ${amountMinor}`);
  }
  const digits = MINOR_DIGITS[currency];
  const scale = 10 ** digits;
  const major = Math.floor(amountMinor / scale);
  const minor = amountMinor % scale;
  const grouped = String(major).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${grouped}${digits ? `.${String(minor).padStart(digits, '0')}` : ''}`;
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** `2026-03-02T14:00:00Z` → `Mon 2 Mar 2026, 14:00 UTC`. */
export function formatDateTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a date: ${String(iso)}`);
  const parts = Object.fromEntries(dateTime.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute} UTC`;
}

/** 3540 → `59 min`; 5400 → `1 h 30 min`; 7200 → `2 h`; 20 → `less than a minute`. */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(Math.max(0, seconds) / 60);
  if (minutes === 0) return 'less than a minute';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Basis points as a percentage: 5000 → `50 %`, 3333 → `33.33 %`. */
export function formatBasisPoints(bps: number): string {
  const whole = Math.floor(bps / 100);
  const frac = bps % 100;
  return frac === 0 ? `${whole} %` : `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')} %`;
}
