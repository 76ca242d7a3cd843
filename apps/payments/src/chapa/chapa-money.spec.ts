import fc from 'fast-check';
import { fromChapaAmount, InvalidChapaAmountError, toChapaAmount } from './chapa-money';

describe('toChapaAmount', () => {
  it.each([
    [0, '0.00'],
    [1, '0.01'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [150050, '1500.50'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('%d minor units → %s', (minor, text) => {
    expect(toChapaAmount(minor, 'ETB')).toBe(text);
    expect(toChapaAmount(minor, 'USD')).toBe(text);
  });

  it.each([-1, 1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1])('refuses %p', (minor) => {
    expect(() => toChapaAmount(minor, 'ETB')).toThrow(InvalidChapaAmountError);
  });

  it('refuses a currency Chapa does not settle in', () => {
    expect(() => toChapaAmount(100, 'EUR' as 'ETB')).toThrow(/unsupported Chapa currency/);
  });
});

describe('fromChapaAmount', () => {
  it.each<[string | number, number]>([
    ['1500.50', 150050],
    ['1500.5', 150050],
    ['1500', 150000],
    ['0.01', 1],
    ['0', 0],
    ['007.10', 710],
    [100, 10000],
    [3.5, 350],
    [1234.56, 123456],
    [0.1, 10],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('%p → %d', (value, minor) => {
    expect(fromChapaAmount(value, 'ETB')).toBe(minor);
  });

  it.each<[unknown, RegExp]>([
    ['1.001', /more than 2 decimals/],
    ['1.000', /more than 2 decimals/],
    [0.001, /more than 2 decimals/],
    ['-1.00', /not a plain/],
    [-1, /not a plain/],
    ['NaN', /not a plain/],
    [NaN, /not a finite/],
    [Infinity, /not a finite/],
    ['1e3', /not a plain/],
    [1e21, /not a plain/], // String(1e21) is "1e+21"
    [1e-7, /not a plain/],
    ['', /not a plain/],
    [' 1.00', /not a plain/],
    ['1.', /not a plain/],
    ['.5', /not a plain/],
    ['+1', /not a plain/],
    ['1,000.00', /not a plain/],
    ['0x10', /not a plain/],
    ['90071992547409.92', /too large/],
    [null, /string or number/],
    [{}, /string or number/],
  ])('refuses %p', (value, message) => {
    expect(() => fromChapaAmount(value as string, 'ETB')).toThrow(InvalidChapaAmountError);
    expect(() => fromChapaAmount(value as string, 'ETB')).toThrow(message);
  });

  it('round-trips every safe minor amount through the wire text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom('ETB' as const, 'USD' as const), (minor, currency) => {
        expect(fromChapaAmount(toChapaAmount(minor, currency), currency)).toBe(minor);
      }),
    );
  });

  it('reads JSON numbers the way they were written, for every two-decimal amount below a billion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000_000 }), (minor) => {
        const asNumber = JSON.parse(toChapaAmount(minor, 'ETB')) as number;
        expect(fromChapaAmount(asNumber, 'ETB')).toBe(minor);
      }),
    );
  });
});
