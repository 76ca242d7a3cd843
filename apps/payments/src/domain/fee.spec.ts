import fc from 'fast-check';
import { DEFAULT_PLATFORM_FEE_BPS, splitRelease } from './fee';

const amounts = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const bps = fc.integer({ min: 0, max: 10000 });

describe('splitRelease', () => {
  it('takes 15 % by default', () => {
    expect(splitRelease(150_000, DEFAULT_PLATFORM_FEE_BPS)).toEqual({ platformFee: 22_500, tutorAmount: 127_500 });
  });

  it('rounds the fee down so the tutor keeps the fraction', () => {
    expect(splitRelease(101, 1500)).toEqual({ platformFee: 15, tutorAmount: 86 }); // fee 15.15
    expect(splitRelease(99, 1500)).toEqual({ platformFee: 14, tutorAmount: 85 }); // fee 14.85
    expect(splitRelease(1, 9999)).toEqual({ platformFee: 0, tutorAmount: 1 });
  });

  it('handles no fee, all fee and nothing to split', () => {
    expect(splitRelease(777, 0)).toEqual({ platformFee: 0, tutorAmount: 777 });
    expect(splitRelease(777, 10000)).toEqual({ platformFee: 777, tutorAmount: 0 });
    expect(splitRelease(0, 1500)).toEqual({ platformFee: 0, tutorAmount: 0 });
  });

  it('is exact at the top of the safe range', () => {
    // 9007199254740991 × 0.15 = 1351079888211148.65
    expect(splitRelease(Number.MAX_SAFE_INTEGER, 1500)).toEqual({
      platformFee: 1_351_079_888_211_148,
      tutorAmount: 7_656_119_366_529_843,
    });
  });

  it.each([
    [-1, 1500, 'money.invalid_amount'],
    [10.5, 1500, 'money.invalid_amount'],
    [Number.MAX_SAFE_INTEGER + 2, 1500, 'money.invalid_amount'],
    [100, -1, 'money.invalid_basis_points'],
    [100, 10001, 'money.invalid_basis_points'],
    [100, 15.5, 'money.invalid_basis_points'],
  ])('refuses amount %p with fee %p bps', (amount, fee, code) => {
    expect(() => splitRelease(amount, fee)).toThrow(expect.objectContaining({ code, status: 400 }));
  });

  it('sums exactly to the amount, never favours the platform, and is within one unit of the exact fee', () => {
    fc.assert(
      fc.property(amounts, bps, (amount, feeBps) => {
        const { platformFee, tutorAmount } = splitRelease(amount, feeBps);
        expect(Number.isSafeInteger(platformFee) && Number.isSafeInteger(tutorAmount)).toBe(true);
        expect(platformFee).toBeGreaterThanOrEqual(0);
        expect(tutorAmount).toBeGreaterThanOrEqual(0);
        expect(platformFee + tutorAmount).toBe(amount);
        // 0 ≤ amount·bps − fee·10000 < 10000: the fee is the exact fee rounded down.
        const remainder = BigInt(amount) * BigInt(feeBps) - BigInt(platformFee) * 10000n;
        expect(remainder >= 0n && remainder < 10000n).toBe(true);
      }),
    );
  });

  it('is monotone: a bigger amount or rate never lowers the fee', () => {
    fc.assert(
      fc.property(amounts, amounts, bps, bps, (a, b, x, y) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const [lowBps, highBps] = x <= y ? [x, y] : [y, x];
        expect(splitRelease(low, lowBps).platformFee).toBeLessThanOrEqual(splitRelease(high, highBps).platformFee);
        expect(splitRelease(low, highBps).tutorAmount).toBeLessThanOrEqual(splitRelease(high, highBps).tutorAmount);
      }),
    );
  });
});
