import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@tutorhub/service';
import type { BookingsConfig } from '../config';
import { BookingRules, DEFAULT_BOOKING_RULES } from '../domain/booking-rules';
import type { RescheduleConfig } from '../domain/reschedule-rules';
import { assertValidCancellationPolicy, cancellationRefundBps, type CancellationFacts, type CancellationPolicyConfig } from '@tutorhub/platform';

/** The domain rules configured from the environment (checked once, at start). */
@Injectable()
export class BookingPolicies {
  readonly rules: BookingRules;
  readonly cancellation: CancellationPolicyConfig;
  readonly reschedule: RescheduleConfig;

  constructor(@Inject(CONFIG) config: BookingsConfig) {
    this.rules = new BookingRules({
      ...DEFAULT_BOOKING_RULES,
      minNoticeMinutes: config.BOOKING_MIN_NOTICE_MINUTES,
      acceptDeadlineMinutes: config.BOOKING_ACCEPT_DEADLINE_MINUTES,
    });
    this.cancellation = {
      fullRefundHours: config.CANCEL_FULL_REFUND_HOURS,
      partialRefundHours: config.CANCEL_PARTIAL_REFUND_HOURS,
      partialRefundBps: config.CANCEL_PARTIAL_REFUND_BPS,
    };
    assertValidCancellationPolicy(this.cancellation);
    this.reschedule = { minNoticeHours: config.RESCHEDULE_MIN_NOTICE_HOURS, proposalTtlHours: config.RESCHEDULE_PROPOSAL_TTL_HOURS };
  }

  /** The refund share to quote to the client; payments decides the money from the same facts. */
  refundBasisPoints(facts: CancellationFacts): number {
    return cancellationRefundBps(facts, this.cancellation);
  }
}
