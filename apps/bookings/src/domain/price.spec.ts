import fc from 'fast-check';
import { DomainError } from './domain-error';
import { assertPayablePrice, priceFor } from './price';

const durations = fc.integer({ min: 1, max: 16 }).map((quarters) => quarters * 15);
const rates = fc.integer({ min: 0, max: 10_000_000_000 });

describe('priceFor', () => {
  it('charges rate × hours for whole hours and the exact fraction otherwise', () => {
    expect(priceFor(150_000, 60)).toBe(150_000);
    expect(priceFor(150_000, 90)).toBe(225_000);
    expect(priceFor(150_000, 15)).toBe(37_500);
    expect(priceFor(0, 240)).toBe(0);
  });

  it('rounds half-up to the minor unit', () => {
    expect(priceFor(1, 15)).toBe(0); // 0.25
    expect(priceFor(2, 15)).toBe(1); // 0.5
    expect(priceFor(3, 15)).toBe(1); // 0.75
    expect(priceFor(5, 15)).toBe(1); // 1.25
    expect(priceFor(1001, 30)).toBe(501); // 500.5
    expect(priceFor(1001, 45)).toBe(751); // 750.75
  });

  it.each([0, 14, 16, 250, 255, 22.5, Number.NaN, -15])('refuses a duration of %p minutes', (minutes) => {
    expect(() => priceFor(1000, minutes)).toThrow(expect.objectContaining({ code: 'booking.invalid_duration', status: 422 }));
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])('refuses a rate of %p', (rate) => {
    expect(() => priceFor(rate, 60)).toThrow(expect.objectContaining({ code: 'money.invalid_amount', status: 400 }));
  });

  it('stays exact for the largest safe rate and refuses a price beyond it', () => {
    expect(priceFor(Number.MAX_SAFE_INTEGER, 60)).toBe(Number.MAX_SAFE_INTEGER);
    expect(priceFor(Number.MAX_SAFE_INTEGER, 15)).toBe(2_251_799_813_685_248); // 2251799813685247.75
    let error: unknown;
    try {
      priceFor(Number.MAX_SAFE_INTEGER, 75);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'money.out_of_range' });
  });

  it('is a non-negative safe integer within half a minor unit of the exact price', () => {
    fc.assert(
      fc.property(rates, durations, (rate, minutes) => {
        const price = priceFor(rate, minutes);
        expect(Number.isSafeInteger(price)).toBe(true);
        expect(price).toBeGreaterThanOrEqual(0);
        // |price − rate·minutes/60| ≤ ½, in integers: |60·price − rate·minutes| ≤ 30, ties up.
        const diff = BigInt(price) * 60n - BigInt(rate) * BigInt(minutes);
        expect(diff >= -29n && diff <= 30n).toBe(true);
      }),
    );
  });

  it('is exact for multiples of 60 minutes', () => {
    fc.assert(
      fc.property(rates, fc.integer({ min: 1, max: 4 }), (rate, hours) => {
        expect(priceFor(rate, hours * 60)).toBe(rate * hours);
      }),
    );
  });

  it('is monotone in duration and in rate', () => {
    fc.assert(
      fc.property(rates, durations, durations, (rate, a, b) => {
        const [short, long] = a <= b ? [a, b] : [b, a];
        expect(priceFor(rate, short)).toBeLessThanOrEqual(priceFor(rate, long));
      }),
    );
    fc.assert(
      fc.property(rates, rates, durations, (a, b, minutes) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(priceFor(low, minutes)).toBeLessThanOrEqual(priceFor(high, minutes));
      }),
    );
  });
});

describe('assertPayablePrice', () => {
  it('refuses a lesson that prices at 0 (a rate of 1 santim an hour for 15 minutes rounds to 0)', () => {
    const price = priceFor(1, 15);
    expect(price).toBe(0);
    expect(() => assertPayablePrice(price, { hourlyRateMinor: 1, durationMinutes: 15 })).toThrow(
      expect.objectContaining({ code: 'booking.price_too_low', status: 422 }),
    );
  });

  it('accepts the smallest payable price', () => {
    expect(() => assertPayablePrice(priceFor(2, 30), { hourlyRateMinor: 2, durationMinutes: 30 })).not.toThrow();
  });
});
