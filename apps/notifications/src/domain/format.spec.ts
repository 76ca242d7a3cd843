import { formatBasisPoints, formatDateTime, formatDuration, formatMoney } from './format';

describe('formatMoney', () => {
  it.each([
    [0, 'ETB', 'ETB 0.00'],
    [5, 'ETB', 'ETB 0.05'],
    [150000, 'ETB', 'ETB 1,500.00'],
    [123456789, 'USD', 'USD 1,234,567.89'],
    [100, 'USD', 'USD 1.00'],
    [Number.MAX_SAFE_INTEGER, 'USD', 'USD 90,071,992,547,409.91'],
  ] as const)('%i %s → %s', (amountMinor, currency, expected) => {
    expect(formatMoney({ amountMinor, currency })).toBe(expected);
  });

  it('refuses fractional, negative and unsafe amounts', () => {
    expect(() => formatMoney({ amountMinor: 1.5, currency: 'ETB' })).toThrow(RangeError);
    expect(() => formatMoney({ amountMinor: -1, currency: 'ETB' })).toThrow(RangeError);
    expect(() => formatMoney({ amountMinor: 2 ** 53, currency: 'ETB' })).toThrow(RangeError);
  });
});

describe('formatDateTime', () => {
  it('shows the instant in UTC and says so', () => {
    expect(formatDateTime('2026-03-02T14:05:00.000Z')).toBe('Mon 2 Mar 2026, 14:05 UTC');
    expect(formatDateTime('2026-03-02T16:05:00+03:00')).toBe('Mon 2 Mar 2026, 13:05 UTC');
    expect(formatDateTime(new Date('2026-12-31T00:00:00Z'))).toBe('Thu 31 Dec 2026, 00:00 UTC');
  });
  it('refuses garbage', () => {
    expect(() => formatDateTime('yesterday')).toThrow(RangeError);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, 'less than a minute'],
    [59, 'less than a minute'],
    [60, '1 min'],
    [3540, '59 min'],
    [3600, '1 h'],
    [5400, '1 h 30 min'],
    [7260, '2 h 1 min'],
  ])('%i s → %s', (s, expected) => expect(formatDuration(s)).toBe(expected));
});

describe('formatBasisPoints', () => {
  it.each([
    [10000, '100 %'],
    [5000, '50 %'],
    [0, '0 %'],
    [3333, '33.33 %'],
    [1250, '12.5 %'],
    [1, '0.01 %'],
  ])('%i → %s', (bps, expected) => expect(formatBasisPoints(bps)).toBe(expected));
});
