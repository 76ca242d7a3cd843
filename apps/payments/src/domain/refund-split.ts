import { splitRelease } from './fee';
import { assertBasisPoints, assertMinorUnits, BPS_SCALE } from './money';

export interface RefundSplit {
  readonly refundAmount: number;
  readonly releasedToTutor: number;
  readonly platformFee: number;
}

/**
 * Splits an escrow between a refund to the student and an immediate release to the tutor; the
 * three parts sum exactly to the amount.
 *
 * The refund is rounded up: the student is the consumer, so when a percentage leaves a fraction
 * of a minor unit it goes back to them (e.g. 50 % of 101 refunds 51). The platform fee is then
 * charged only on what the tutor actually receives, rounded down as in `splitRelease`, so
 * refundBps = 0 is exactly a full release and refundBps = 10000 exactly a full refund.
 */
export function splitByRefundBps(amountMinor: number, refundBps: number, platformFeeBps: number): RefundSplit {
  assertMinorUnits(amountMinor, 'amountMinor');
  assertBasisPoints(refundBps, 'refundBps');
  assertBasisPoints(platformFeeBps, 'platformFeeBps');
  const scale = BigInt(BPS_SCALE);
  const refundAmount = Number((BigInt(amountMinor) * BigInt(refundBps) + scale - 1n) / scale);
  const { platformFee, tutorAmount } = splitRelease(amountMinor - refundAmount, platformFeeBps);
  return { refundAmount, releasedToTutor: tutorAmount, platformFee };
}
