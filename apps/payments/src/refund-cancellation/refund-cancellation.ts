import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { cancellationRefundBps, Clock, type CancellationPolicyConfig } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { cancellationPolicyOf } from '../domain/cancellation-policy';
import { ProcessRefunds } from '../process-refunds/process-refunds';
import { EscrowTransitions, settleThenRefundSoon } from '../shared/escrow-transitions';
import { markBookingTerminal } from '../stores/booking.store';
import { lockEscrowByBooking } from '../stores/escrow.store';

/**
 * WHERE A CANCELLATION'S REFUND SHARE IS DECIDED. A booking that will not take place: cancelled
 * (the share from the facts), expired or declined after it was paid (everything back). Driven by
 * `refund-cancellation.events.ts`: each call runs in the consumer's transaction (`em`) with the
 * inbox insert, so a redelivered event has no second effect; every escrow change goes through the
 * state machine, so a late or reordered event that no longer applies is recorded and ignored.
 * Lock order: booking row, then escrow row.
 */
@Injectable()
export class RefundCancellation {
  private readonly cancellationPolicy: CancellationPolicyConfig;

  constructor(
    @Inject(CONFIG) config: PaymentsConfig,
    private readonly clock: Clock,
    private readonly escrows: EscrowTransitions,
    private readonly refunds: ProcessRefunds,
  ) {
    this.cancellationPolicy = cancellationPolicyOf(config);
  }

  /**
   * docs/design.md §3: payments decides the refund share from the facts of the cancellation (who, from
   * which status the student saw, when, the lesson's start), never from a tier computed on a
   * copy that may have been late. `refundBasisPoints` is bookings' quote; a difference is audited.
   */
  async cancelled(em: EntityManager, d: EventDataOf<'bookings.booking.cancelled.v1'>, cancelledAt: Date): Promise<void> {
    const refundBps = cancellationRefundBps(
      { cancelledBy: d.cancelledByRole, previousStatus: d.previousStatus, startsAt: new Date(d.startsAt), cancelledAt },
      this.cancellationPolicy,
    );
    await markBookingTerminal(em, d, 'cancelled', refundBps, this.clock.now());
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    if (!escrow) return; // not paid (yet): a payment that still succeeds is refunded in full on arrival
    const source = 'bookings.booking.cancelled';
    const detail = { refundBasisPoints: refundBps, quotedBasisPoints: d.refundBasisPoints, previousStatus: d.previousStatus, via: d.via ?? 'request' };
    // Ended before the other party joined (docs/design.md §4): session.ended carries the facts, and
    // settle-after-lesson decides from them (whichever of the two events arrives first).
    if (d.via === 'session') {
      await this.escrows.ignore(em, escrow, 'cancel', source, { ...detail, reason: 'the session decides' });
      return;
    }
    // Only money that nothing else has decided yet: `release_scheduled` means the session took
    // place (a cancellation that raced the start must not refund a lesson that happened),
    // `frozen` belongs to a dispute, and released/refunded are final.
    if (escrow.status !== 'held') {
      await this.escrows.ignore(em, escrow, 'cancel', source, detail);
      return;
    }
    await settleThenRefundSoon(this.escrows, this.refunds, em, escrow, {
      action: 'split', refundBps, reason: 'booking_cancelled', now: this.clock.now(), source,
    });
  }

  /** Bookings expired a booking that was paid (it saw the payment too late). */
  async expired(em: EntityManager, d: EventDataOf<'bookings.booking.expired.v1'>): Promise<void> {
    await markBookingTerminal(em, d, 'expired', null, this.clock.now());
    await this.refundIfOnlyHeld(em, d.bookingId, 'booking_expired', 'bookings.booking.expired');
  }

  /** The tutor declined a booking that was paid meanwhile. */
  async declined(em: EntityManager, d: EventDataOf<'bookings.booking.declined.v1'>): Promise<void> {
    await markBookingTerminal(em, d, 'declined', null, this.clock.now());
    await this.refundIfOnlyHeld(em, d.bookingId, 'booking_declined', 'bookings.booking.declined');
  }

  private async refundIfOnlyHeld(em: EntityManager, bookingId: string, reason: string, source: string) {
    const escrow = await lockEscrowByBooking(em, bookingId);
    if (!escrow) return;
    // A paid booking that bookings still expired or declined (it saw the payment too late):
    // the lesson will not happen, so the student gets everything back.
    if (escrow.status !== 'held') {
      await this.escrows.ignore(em, escrow, `refund:${reason}`, source, {});
      return;
    }
    await settleThenRefundSoon(this.escrows, this.refunds, em, escrow, {
      action: 'refund', refundBps: 10000, reason, now: this.clock.now(), source,
    });
  }
}
