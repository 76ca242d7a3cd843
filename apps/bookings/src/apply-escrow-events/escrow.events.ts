import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, OnEventBatch, type BatchedEvent, type EventBatchContext, type EventContext } from '@tutorhub/messaging';
import { ApplyEscrowEvents } from './apply-escrow-events';

/** Payments' escrow events, each handed to its step of the use case (apply-escrow-events.ts) in the inbox's transaction. */
@Injectable()
export class EscrowEvents {
  constructor(private readonly apply: ApplyEscrowEvents) {}

  @OnEvent('payments.escrow.held.v1')
  async onEscrowHeld(data: EventDataOf<'payments.escrow.held.v1'>, { em }: EventContext): Promise<void> {
    await this.apply.held(em, data);
  }

  @OnEvent('payments.escrow.release_scheduled.v1')
  async onReleaseScheduled(data: EventDataOf<'payments.escrow.release_scheduled.v1'>, { em }: EventContext): Promise<void> {
    await this.apply.releaseScheduled(em, data);
  }

  @OnEvent('payments.escrow.released.v1')
  async onReleased(data: EventDataOf<'payments.escrow.released.v1'>, { em }: EventContext): Promise<void> {
    await this.apply.released(em, data);
  }

  // A batch's events of these types, set-based (ADR 0022): the same effect as the steps above, one by one.
  @OnEventBatch('payments.escrow.release_scheduled.v1')
  async onReleaseScheduledMany(events: Array<BatchedEvent<EventDataOf<'payments.escrow.release_scheduled.v1'>>>, { em }: EventBatchContext): Promise<void> {
    await this.apply.releaseScheduledMany(em, events.map((e) => e.data));
  }

  @OnEventBatch('payments.escrow.released.v1')
  async onReleasedMany(events: Array<BatchedEvent<EventDataOf<'payments.escrow.released.v1'>>>, { em }: EventBatchContext): Promise<void> {
    await this.apply.releasedMany(em, events.map((e) => e.data));
  }

  @OnEventBatch('payments.escrow.refunded.v1')
  async onRefundedMany(events: Array<BatchedEvent<EventDataOf<'payments.escrow.refunded.v1'>>>, { em }: EventBatchContext): Promise<void> {
    await this.apply.refundedMany(em, events.map((e) => e.data));
  }

  @OnEvent('payments.escrow.refunded.v1')
  async onRefunded(data: EventDataOf<'payments.escrow.refunded.v1'>, { em }: EventContext): Promise<void> {
    await this.apply.refunded(em, data);
  }

  @OnEvent('payments.escrow.frozen.v1')
  async onFrozen(data: EventDataOf<'payments.escrow.frozen.v1'>, { em }: EventContext): Promise<void> {
    await this.apply.frozen(em, data);
  }

  @OnEvent('payments.escrow.freeze_rejected.v1')
  async onFreezeRejected(data: EventDataOf<'payments.escrow.freeze_rejected.v1'>, { em }: EventContext): Promise<void> {
    await this.apply.freezeRejected(em, data);
  }
}
