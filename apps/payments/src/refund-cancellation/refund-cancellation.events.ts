import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import { RefundCancellation } from './refund-cancellation';

/**
 * The bookings events that mean a paid lesson will not take place. The consumer has parsed the
 * event and opened the transaction (with the inbox insert); the share is decided in
 * `refund-cancellation.ts`.
 */
@Injectable()
export class RefundCancellationEvents {
  constructor(private readonly refundCancellation: RefundCancellation) {}

  @OnEvent('bookings.booking.cancelled.v1')
  async onCancelled(d: EventDataOf<'bookings.booking.cancelled.v1'>, { em, envelope }: EventContext) {
    // An event without its own cancellation instant was cancelled when it was emitted.
    await this.refundCancellation.cancelled(em, d, new Date(d.cancelledAt ?? envelope.occurredAt));
  }

  @OnEvent('bookings.booking.expired.v1')
  async onExpired(d: EventDataOf<'bookings.booking.expired.v1'>, { em }: EventContext) {
    await this.refundCancellation.expired(em, d);
  }

  @OnEvent('bookings.booking.declined.v1')
  async onDeclined(d: EventDataOf<'bookings.booking.declined.v1'>, { em }: EventContext) {
    await this.refundCancellation.declined(em, d);
  }
}
