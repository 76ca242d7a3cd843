import { minor, toSafeInt } from './money';

describe('safe-integer money conversion', () => {
  it('reads a bigint column (a string) or a number as the same safe integer', () => {
    expect(toSafeInt('12345', 'price')).toBe(12345);
    expect(toSafeInt(12345, 'price')).toBe(12345);
    expect(toSafeInt('-20')).toBe(-20);
    expect(toSafeInt(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([['9007199254740993'], ['1.5'], ['abc'], [Number.NaN], [0.1]])('refuses %p as a bug, naming the field', (value) => {
    expect(() => toSafeInt(value, 'price')).toThrow(`price is not a safe integer: ${String(value)}`);
  });

  it('minor: NULL and undefined (a SUM over no rows) are 0, anything else as toSafeInt', () => {
    expect(minor(null)).toBe(0);
    expect(minor(undefined)).toBe(0);
    expect(minor('700')).toBe(700);
    expect(() => minor('1e400')).toThrow('amount is not a safe integer: 1e400');
  });
});
