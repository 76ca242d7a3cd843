import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import { DisputeEscrow } from './dispute-escrow';

/**
 * A dispute opened or resolved by bookings. The consumer has parsed the event and opened the
 * transaction (with the inbox insert); `dispute-escrow.ts` freezes or settles the escrow.
 */
@Injectable()
export class DisputeEscrowEvents {
  constructor(private readonly disputeEscrow: DisputeEscrow) {}

  @OnEvent('bookings.dispute.opened.v1')
  async onDisputeOpened(d: EventDataOf<'bookings.dispute.opened.v1'>, { em }: EventContext) {
    await this.disputeEscrow.freeze(em, d);
  }

  @OnEvent('bookings.dispute.resolved.v1')
  async onDisputeResolved(d: EventDataOf<'bookings.dispute.resolved.v1'>, { em }: EventContext) {
    await this.disputeEscrow.resolve(em, d);
  }
}
