import { chargeFor, displayMinor, formatMinor, minorToNumber, parseAmount } from './sandbox-money';

describe('sandbox money', () => {
  it.each<[unknown, number]>([
    ['10', 1000],
    ['10.5', 1050],
    ['10.05', 1005],
    [10.5, 1050],
    [' 7 ', 700],
    ['0.01', 1],
  ])('parses %p as %d minor units', (value, minor) => {
    expect(parseAmount(value)).toEqual({ ok: true, minor });
  });

  it.each<[unknown, RegExp]>([
    [undefined, /required/],
    ['', /required/],
    ['0', /greater than 0/],
    ['0.00', /greater than 0/],
    ['1.005', /2 decimal places/],
    ['-1', /must be a number/],
    ['1e3', /must be a number/],
    ['abc', /must be a number/],
    [true, /must be a number/],
    [NaN, /must be a number/],
    ['99999999999999999', /too large/],
  ])('refuses %p', (value, message) => {
    const result = parseAmount(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('formats minor units as Chapa decimals, numbers and display text', () => {
    expect(formatMinor(5)).toBe('0.05');
    expect(formatMinor(150050)).toBe('1500.50');
    expect(minorToNumber(150050)).toBe(1500.5);
    expect(displayMinor(123456789)).toBe('1,234,567.89');
  });

  it('charges 3.5 %, rounded half up', () => {
    expect(chargeFor(10000)).toBe(350);
    expect(chargeFor(150050)).toBe(5252); // 5251.75
    expect(chargeFor(10)).toBe(0); // 0.35
    expect(chargeFor(100)).toBe(4); // 3.5
  });
});
