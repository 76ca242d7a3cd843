import type { CancellationPolicyConfig } from '@tutorhub/platform';
import type { PaymentsConfig } from '../config';

/**
 * The cancellation tiers payments applies (`cancellationRefundBps` in libs/platform decides the
 * share from them and the facts of a cancellation; ADR 0006).
 */
export function cancellationPolicyOf(
  config: Pick<PaymentsConfig, 'CANCEL_FULL_REFUND_HOURS' | 'CANCEL_PARTIAL_REFUND_HOURS' | 'CANCEL_PARTIAL_REFUND_BPS'>,
): CancellationPolicyConfig {
  return {
    fullRefundHours: config.CANCEL_FULL_REFUND_HOURS,
    partialRefundHours: config.CANCEL_PARTIAL_REFUND_HOURS,
    partialRefundBps: config.CANCEL_PARTIAL_REFUND_BPS,
  };
}
