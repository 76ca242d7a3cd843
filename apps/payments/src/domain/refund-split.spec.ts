import fc from 'fast-check';
import { splitRelease } from './fee';
import { splitByRefundBps } from './refund-split';

const amounts = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const bps = fc.integer({ min: 0, max: 10000 });

describe('splitByRefundBps', () => {
  it('refunds half and releases the rest less the fee', () => {
    expect(splitByRefundBps(150_000, 5000, 1500)).toEqual({ refundAmount: 75_000, releasedToTutor: 63_750, platformFee: 11_250 });
  });

  it('gives the odd minor unit of a half refund to the student', () => {
    expect(splitByRefundBps(101, 5000, 1500)).toEqual({ refundAmount: 51, releasedToTutor: 43, platformFee: 7 });
    expect(splitByRefundBps(1, 5000, 1500)).toEqual({ refundAmount: 1, releasedToTutor: 0, platformFee: 0 });
    expect(splitByRefundBps(3, 1, 0)).toEqual({ refundAmount: 1, releasedToTutor: 2, platformFee: 0 });
  });

  it('refunds everything at 10000 bps and nothing at 0 bps', () => {
    expect(splitByRefundBps(12_345, 10000, 1500)).toEqual({ refundAmount: 12_345, releasedToTutor: 0, platformFee: 0 });
    expect(splitByRefundBps(12_345, 0, 1500)).toEqual({ refundAmount: 0, releasedToTutor: 10_494, platformFee: 1_851 });
  });

  it.each([
    [-5, 5000, 1500, 'money.invalid_amount'],
    [100, 10001, 1500, 'money.invalid_basis_points'],
    [100, 5000, -1, 'money.invalid_basis_points'],
    [100, 0.5, 1500, 'money.invalid_basis_points'],
  ])('refuses amount %p, refund %p bps, fee %p bps', (amount, refund, fee, code) => {
    expect(() => splitByRefundBps(amount, refund, fee)).toThrow(expect.objectContaining({ code }));
  });

  it('sums exactly to the amount with non-negative integer parts, the refund rounded up', () => {
    fc.assert(
      fc.property(amounts, bps, bps, (amount, refundBps, feeBps) => {
        const { refundAmount, releasedToTutor, platformFee } = splitByRefundBps(amount, refundBps, feeBps);
        for (const part of [refundAmount, releasedToTutor, platformFee]) {
          expect(Number.isSafeInteger(part) && part >= 0).toBe(true);
        }
        expect(refundAmount + releasedToTutor + platformFee).toBe(amount);
        // 0 ≤ refund·10000 − amount·bps < 10000: the exact refund rounded up.
        const excess = BigInt(refundAmount) * 10000n - BigInt(amount) * BigInt(refundBps);
        expect(excess >= 0n && excess < 10000n).toBe(true);
      }),
    );
  });

  it('charges the fee only on what the tutor receives, exactly as a release of that part', () => {
    fc.assert(
      fc.property(amounts, bps, bps, (amount, refundBps, feeBps) => {
        const { refundAmount, releasedToTutor, platformFee } = splitByRefundBps(amount, refundBps, feeBps);
        expect(splitRelease(amount - refundAmount, feeBps)).toEqual({ platformFee, tutorAmount: releasedToTutor });
      }),
    );
  });

  it('is a full release at 0 bps and a full refund at 10000 bps, for any amount', () => {
    fc.assert(
      fc.property(amounts, bps, (amount, feeBps) => {
        const release = splitRelease(amount, feeBps);
        expect(splitByRefundBps(amount, 0, feeBps)).toEqual({
          refundAmount: 0,
          releasedToTutor: release.tutorAmount,
          platformFee: release.platformFee,
        });
        expect(splitByRefundBps(amount, 10000, feeBps)).toEqual({ refundAmount: amount, releasedToTutor: 0, platformFee: 0 });
      }),
    );
  });

  it('refunds more as the refund share grows', () => {
    fc.assert(
      fc.property(amounts, bps, bps, bps, (amount, a, b, feeBps) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(splitByRefundBps(amount, low, feeBps).refundAmount).toBeLessThanOrEqual(
          splitByRefundBps(amount, high, feeBps).refundAmount,
        );
      }),
    );
  });
});
