import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import { moveSlot, raiseStatus, upsertConfirmed, upsertRescheduledConfirmed } from '../stores/booking-snapshot.store';

/**
 * Builds `sessions.booking_snapshots` from bookings events. The sessions service never asks the
 * bookings service who may do what: this read model is all it knows of a booking. Each handler
 * runs in the inbox transaction, so a duplicate event has no second effect.
 */
@Injectable()
export class BookingEventsHandler {
  @OnEvent('bookings.booking.confirmed.v1')
  async onConfirmed(data: EventDataOf<'bookings.booking.confirmed.v1'>, { em }: EventContext): Promise<void> {
    await upsertConfirmed(em, data);
  }

  /**
   * The lesson moved (issue 16): the start window and the token expiry follow the new slot. Only
   * a newer slot applies (`slotSequence`), so a reschedule overtaken by a later one, or delivered
   * twice, changes nothing. A booking we have not seen confirmed yet: if it was confirmed when it
   * moved, the snapshot starts here (its confirmation, when it comes, is older); otherwise its
   * confirmation will carry the new slot, so there is nothing to keep.
   */
  @OnEvent('bookings.booking.rescheduled.v1')
  async onRescheduled(data: EventDataOf<'bookings.booking.rescheduled.v1'>, { em }: EventContext): Promise<void> {
    if (data.status === 'confirmed') await upsertRescheduledConfirmed(em, data);
    else await moveSlot(em, data);
  }

  @OnEvent('bookings.booking.cancelled.v1')
  async onCancelled(data: EventDataOf<'bookings.booking.cancelled.v1'>, { em }: EventContext): Promise<void> {
    // A cancellation may be the first we hear of a booking (it overtook the confirmation):
    // keep a tombstone so that the confirmation, when it comes, cannot resurrect it.
    await raiseStatus(em, data, 'cancelled', data.startsAt);
  }

  // No start time for no_show and completed, so no tombstone: they only follow a confirmation
  // (and, being after the start window, can no longer open a session anyway).
  @OnEvent('bookings.booking.no_show.v1')
  async onNoShow(data: EventDataOf<'bookings.booking.no_show.v1'>, { em }: EventContext): Promise<void> {
    await raiseStatus(em, data, 'no_show', null);
  }

  @OnEvent('bookings.booking.completed.v1')
  async onCompleted(data: EventDataOf<'bookings.booking.completed.v1'>, { em }: EventContext): Promise<void> {
    await raiseStatus(em, data, 'completed', null);
  }
}
