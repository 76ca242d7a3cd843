import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { canTransition } from '../domain/booking-status';
import { endDisputeAction } from '../domain/dispute-rules';
import { applyMoneyEvent, type MoneyEvent } from '../domain/money-status';
import { lockKnownBooking } from '../shared/known-booking';
import { BookingStore, moneyState, parties, slot, type BookingPatch, type BookingRecord } from '../stores/booking.store';
import { DisputeStore } from '../stores/dispute.store';

/**
 * Payments' escrow events (adapter: escrow.events.ts). They keep the booking's money status, and
 * a held escrow confirms an accepted booking. Every step decides from the booking's current
 * state, so a redelivery under a new id, or an event overtaken by a later one, changes nothing
 * twice.
 */
@Injectable()
export class ApplyEscrowEvents {
  private readonly logger = new Logger(ApplyEscrowEvents.name);

  constructor(
    private readonly store: BookingStore,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
  ) {}

  /**
   * accepted → confirmed. A booking cancelled or expired meanwhile stays as it is: payments
   * refunds a payment for such a booking by itself (it has our cancelled/expired event).
   */
  async held(em: EntityManager, data: EventDataOf<'payments.escrow.held.v1'>): Promise<void> {
    const booking = await this.lockKnown(em, data.bookingId, 'payments.escrow.held.v1');
    if (!booking) return;
    const patch: BookingPatch = { ...this.money(booking, { kind: 'held' }), escrowId: booking.escrowId ?? data.escrowId };
    if (data.amount.amountMinor !== booking.priceMinor || data.amount.currency !== booking.currency) {
      this.logger.warn(
        `escrow ${data.escrowId} holds ${data.amount.amountMinor} ${data.amount.currency} for booking ${booking.id} priced ${booking.priceMinor} ${booking.currency}`,
      );
    }
    if (!canTransition(booking.status, 'confirm')) {
      if (this.changes(booking, patch)) await this.store.update(em, booking, patch);
      return;
    }
    const confirmed = await this.store.transition(em, booking, 'confirm', { ...patch, confirmedAt: this.clock.now() });
    await this.outbox.add(em, 'bookings.booking.confirmed.v1', { ...parties(confirmed), ...slot(confirmed), slotSequence: confirmed.slotSequence });
  }

  async releaseScheduled(em: EntityManager, data: EventDataOf<'payments.escrow.release_scheduled.v1'>): Promise<void> {
    const booking = await this.lockKnown(em, data.bookingId, 'payments.escrow.release_scheduled.v1');
    if (booking) await this.updateMoney(em, booking, { kind: 'release_scheduled' });
  }

  /** Money went to the tutor (all, or the part not refunded): the dispute window is closed. */
  async released(em: EntityManager, data: EventDataOf<'payments.escrow.released.v1'>): Promise<void> {
    const booking = await this.lockKnown(em, data.bookingId, 'payments.escrow.released.v1');
    if (booking) {
      await this.updateMoney(em, booking, releasedEvent(data));
    }
  }

  async refunded(em: EntityManager, data: EventDataOf<'payments.escrow.refunded.v1'>): Promise<void> {
    const booking = await this.lockKnown(em, data.bookingId, 'payments.escrow.refunded.v1');
    if (booking) await this.updateMoney(em, booking, refundedEvent(data));
  }

  /**
   * `releaseScheduled`, `released` and `refunded` for many bookings at once (a batch of events,
   * ADR 0022): one lock statement, the same money rule per event in the order given, and one
   * update of the bookings whose money changed. The effect is that of the per-event steps above,
   * one after the other: an unknown booking is logged and skipped, a fact we already know
   * changes nothing, and the version moves once per change.
   */
  releaseScheduledMany(em: EntityManager, data: ReadonlyArray<EventDataOf<'payments.escrow.release_scheduled.v1'>>): Promise<void> {
    return this.moneyMany(em, 'payments.escrow.release_scheduled.v1', data.map((d) => ({ bookingId: d.bookingId, event: { kind: 'release_scheduled' } as const })));
  }

  releasedMany(em: EntityManager, data: ReadonlyArray<EventDataOf<'payments.escrow.released.v1'>>): Promise<void> {
    return this.moneyMany(em, 'payments.escrow.released.v1', data.map((d) => ({ bookingId: d.bookingId, event: releasedEvent(d) })));
  }

  refundedMany(em: EntityManager, data: ReadonlyArray<EventDataOf<'payments.escrow.refunded.v1'>>): Promise<void> {
    return this.moneyMany(em, 'payments.escrow.refunded.v1', data.map((d) => ({ bookingId: d.bookingId, event: refundedEvent(d) })));
  }

  private async moneyMany(em: EntityManager, type: string, events: ReadonlyArray<{ bookingId: string; event: MoneyEvent }>): Promise<void> {
    const locked = await this.store.lockMany(em, [...new Set(events.map((e) => e.bookingId))]);
    const changed = new Map<string, BookingRecord>();
    for (const { bookingId, event } of events) {
      const current = changed.get(bookingId) ?? locked.get(bookingId);
      if (!current) {
        this.logger.warn(`${type} for unknown booking ${bookingId}; ignored`);
        continue;
      }
      const patch = this.money(current, event);
      if (!this.changes(current, patch)) continue;
      changed.set(bookingId, { ...current, ...patch, version: current.version + 1 } as BookingRecord);
    }
    await this.store.updateMoneyMany(em, [...changed.values()]);
  }

  /** Payments froze the escrow for our dispute: the admin may now resolve it. */
  async frozen(em: EntityManager, data: EventDataOf<'payments.escrow.frozen.v1'>): Promise<void> {
    const booking = await this.lockKnown(em, data.bookingId, 'payments.escrow.frozen.v1');
    if (!booking) return;
    await this.updateMoney(em, booking, { kind: 'frozen' });
    await DisputeStore.markFrozen(em, data.disputeId, this.clock.now());
  }

  /**
   * The dispute reached payments after the money had left escrow (the release job won the race):
   * the dispute is closed with the outcome the money already had, and the booking returns to
   * what it was. Notifications tells the student from the same event. Resolving it is a 409.
   */
  async freezeRejected(em: EntityManager, data: EventDataOf<'payments.escrow.freeze_rejected.v1'>): Promise<void> {
    const booking = await this.lockKnown(em, data.bookingId, 'payments.escrow.freeze_rejected.v1');
    if (!booking) return;
    const dispute = await DisputeStore.lock(em, data.disputeId);
    if (!dispute || dispute.status !== 'open') {
      this.logger.log(`payments.escrow.freeze_rejected.v1 for dispute ${data.disputeId} (${dispute?.status ?? 'unknown'}); nothing to do`);
      return;
    }
    await DisputeStore.markClosed(em, data.disputeId, data.reason, this.clock.now());
    const action = endDisputeAction(dispute.booking_status_before, 'close');
    if (canTransition(booking.status, action)) await this.store.transition(em, booking, action);
  }

  private money(booking: BookingRecord, event: MoneyEvent): BookingPatch {
    const next = applyMoneyEvent(moneyState(booking), event);
    return { moneyStatus: next.status, refundedMinor: next.refundedMinor, releasedMinor: next.releasedMinor };
  }

  private async updateMoney(em: EntityManager, booking: BookingRecord, event: MoneyEvent): Promise<void> {
    const patch = this.money(booking, event);
    if (this.changes(booking, patch)) await this.store.update(em, booking, patch);
  }

  /** A fact we already know (a duplicate under a new id, a late event) must not even bump the version. */
  private changes(booking: BookingRecord, patch: BookingPatch): boolean {
    return Object.entries(patch).some(([field, value]) => value !== undefined && booking[field as keyof BookingRecord] !== value);
  }

  private lockKnown(em: EntityManager, bookingId: string, type: string): Promise<BookingRecord | null> {
    return lockKnownBooking(this.store, this.logger, em, bookingId, type);
  }
}

/** What a released escrow means for the booking's money: all that left the escrow (tutor's share and fee). */
function releasedEvent(d: EventDataOf<'payments.escrow.released.v1'>): MoneyEvent {
  return { kind: 'released', amountMinor: d.tutorAmount.amountMinor + d.platformFee.amountMinor };
}

function refundedEvent(d: EventDataOf<'payments.escrow.refunded.v1'>): MoneyEvent {
  return { kind: 'refunded', amountMinor: d.refundAmount.amountMinor };
}
