import fc from 'fast-check';
import { ratingAverage } from './rating';

describe('ratingAverage', () => {
  it('is null before the first review', () => {
    expect(ratingAverage(0, 0)).toBeNull();
  });

  it('is the mean to 2 decimals, half-up', () => {
    expect(ratingAverage(9, 2)).toBe(4.5);
    expect(ratingAverage(14, 3)).toBe(4.67); // 4.666…
    expect(ratingAverage(13, 3)).toBe(4.33); // 4.333…
    expect(ratingAverage(1, 8)).toBe(0.13); // 0.125 rounds up
    expect(ratingAverage(5, 1)).toBe(5);
  });

  it('stays within the ratings’ range and within half a hundredth of the exact mean', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 500 }), (ratings) => {
        const sum = ratings.reduce((a, b) => a + b, 0);
        const avg = ratingAverage(sum, ratings.length)!;
        expect(avg).toBeGreaterThanOrEqual(1);
        expect(avg).toBeLessThanOrEqual(5);
        expect(Math.abs(avg - sum / ratings.length)).toBeLessThanOrEqual(0.005 + 1e-9);
      }),
    );
  });

  it('refuses impossible totals', () => {
    expect(() => ratingAverage(-1, 1)).toThrow(RangeError);
    expect(() => ratingAverage(1, 1.5)).toThrow(RangeError);
  });
});
