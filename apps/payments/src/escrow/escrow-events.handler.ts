import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, OutboxService, type EventContext } from '@tutorhub/messaging';
import { cancellationRefundBps, Clock, type CancellationPolicyConfig } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { RefundProcessor } from '../refunds/refund.processor';
import { minor } from '../shared/db';
import { EscrowService } from './escrow.service';
import { lockEscrowByBooking, type BookingRow, type EscrowRow } from './escrow.store';
import { releaseAtAfter } from './release-time';

type TerminalStatus = 'cancelled' | 'expired' | 'declined' | 'no_show';

/**
 * What bookings and sessions tell us, applied to the read model and to the booking's escrow.
 * Every handler runs in the consumer's transaction together with the inbox insert, so a
 * redelivered event has no second effect; and every escrow change goes through the state
 * machine, so a late or reordered event that no longer applies is recorded and ignored.
 * Lock order everywhere: booking row, then escrow row (then payment, then ledger accounts).
 */
@Injectable()
export class EscrowEventsHandler {
  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly clock: Clock,
    private readonly escrows: EscrowService,
    private readonly refunds: RefundProcessor,
    private readonly outbox: OutboxService,
  ) {
    this.cancellationPolicy = {
      fullRefundHours: config.CANCEL_FULL_REFUND_HOURS,
      partialRefundHours: config.CANCEL_PARTIAL_REFUND_HOURS,
      partialRefundBps: config.CANCEL_PARTIAL_REFUND_BPS,
    };
  }

  private readonly cancellationPolicy: CancellationPolicyConfig;

  @OnEvent('bookings.booking.accepted.v1')
  async onAccepted(d: EventDataOf<'bookings.booking.accepted.v1'>, { em }: EventContext) {
    // A terminal status that arrived first (reordering) wins; the price fills in, and the times
    // unless a reschedule we already applied is newer (slot_sequence).
    await em.query(
      `INSERT INTO payments.bookings AS b (booking_id, student_id, tutor_id, price_minor, currency, starts_at, ends_at, status, slot_sequence, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', $9, $8)
       ON CONFLICT (booking_id) DO UPDATE
          SET price_minor = EXCLUDED.price_minor, currency = EXCLUDED.currency,
              starts_at = CASE WHEN EXCLUDED.slot_sequence >= b.slot_sequence OR b.starts_at IS NULL THEN EXCLUDED.starts_at ELSE b.starts_at END,
              ends_at = CASE WHEN EXCLUDED.slot_sequence >= b.slot_sequence OR b.ends_at IS NULL THEN EXCLUDED.ends_at ELSE b.ends_at END,
              slot_sequence = GREATEST(b.slot_sequence, EXCLUDED.slot_sequence),
              updated_at = EXCLUDED.updated_at`,
      [d.bookingId, d.studentId, d.tutorId, d.price.amountMinor, d.price.currency, d.startsAt, d.endsAt, this.clock.now(), d.slotSequence ?? 0],
    );
  }

  /**
   * The lesson moved (issue 16). Reschedule never moves money: only the read model's times follow
   * (the payment window closes at the new start), and only for a newer slot. A booking we have
   * not heard was accepted yet starts here if it was accepted when it moved; its `accepted`, when
   * it comes, brings the price and keeps this newer slot.
   */
  @OnEvent('bookings.booking.rescheduled.v1')
  async onRescheduled(d: EventDataOf<'bookings.booking.rescheduled.v1'>, { em }: EventContext) {
    if (d.status === 'requested') {
      await em.query(
        `UPDATE payments.bookings SET starts_at = $2, ends_at = $3, slot_sequence = $4, updated_at = $5
          WHERE booking_id = $1 AND slot_sequence < $4`,
        [d.bookingId, d.startsAt, d.endsAt, d.slotSequence, this.clock.now()],
      );
      return;
    }
    await em.query(
      `INSERT INTO payments.bookings AS b (booking_id, student_id, tutor_id, starts_at, ends_at, status, slot_sequence, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'accepted', $6, $7)
       ON CONFLICT (booking_id) DO UPDATE SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
         slot_sequence = EXCLUDED.slot_sequence, updated_at = EXCLUDED.updated_at
       WHERE b.slot_sequence < EXCLUDED.slot_sequence`,
      [d.bookingId, d.studentId, d.tutorId, d.startsAt, d.endsAt, d.slotSequence, this.clock.now()],
    );
  }

  /**
   * docs/design.md §3: payments decides the refund share from the facts of the cancellation (who, from
   * which status the student saw, when, the lesson's start), never from a tier computed on a
   * copy that may have been late. `refundBasisPoints` is bookings' quote; a difference is audited.
   */
  @OnEvent('bookings.booking.cancelled.v1')
  async onCancelled(d: EventDataOf<'bookings.booking.cancelled.v1'>, { em, envelope }: EventContext) {
    const cancelledAt = new Date(d.cancelledAt ?? envelope.occurredAt);
    const refundBps = cancellationRefundBps(
      { cancelledBy: d.cancelledByRole, previousStatus: d.previousStatus, startsAt: new Date(d.startsAt), cancelledAt },
      this.cancellationPolicy,
    );
    await this.markTerminal(em, d, 'cancelled', refundBps);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    if (!escrow) return; // not paid (yet): a payment that still succeeds is refunded in full on arrival
    const source = 'bookings.booking.cancelled';
    const detail = { refundBasisPoints: refundBps, quotedBasisPoints: d.refundBasisPoints, previousStatus: d.previousStatus, via: d.via ?? 'request' };
    // Ended before the other party joined (docs/design.md §4): session.ended carries the facts, and
    // onSessionEnded decides from them (whichever of the two events arrives first).
    if (d.via === 'session') {
      await this.ignore(em, escrow, 'cancel', source, { ...detail, reason: 'the session decides' });
      return;
    }
    // Only money that nothing else has decided yet: `release_scheduled` means the session took
    // place (a cancellation that raced the start must not refund a lesson that happened),
    // `frozen` belongs to a dispute, and released/refunded are final.
    if (escrow.status !== 'held') {
      await this.ignore(em, escrow, 'cancel', source, detail);
      return;
    }
    await this.settle(em, escrow, 'split', refundBps, 'booking_cancelled', source);
  }

  @OnEvent('bookings.booking.expired.v1')
  async onExpired(d: EventDataOf<'bookings.booking.expired.v1'>, { em }: EventContext) {
    await this.markTerminal(em, d, 'expired', null);
    await this.refundIfOnlyHeld(em, d.bookingId, 'booking_expired', 'bookings.booking.expired');
  }

  @OnEvent('bookings.booking.declined.v1')
  async onDeclined(d: EventDataOf<'bookings.booking.declined.v1'>, { em }: EventContext) {
    await this.markTerminal(em, d, 'declined', null);
    await this.refundIfOnlyHeld(em, d.bookingId, 'booking_declined', 'bookings.booking.declined');
  }

  @OnEvent('bookings.booking.no_show.v1')
  async onNoShow(d: EventDataOf<'bookings.booking.no_show.v1'>, { em }: EventContext) {
    await this.markTerminal(em, d, 'no_show', null);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    if (!escrow) return;
    const source = 'bookings.booking.no_show';
    // Only an escrow that session.ended has not decided yet: the two describe the same facts.
    if (escrow.status !== 'held') {
      await this.ignore(em, escrow, `no_show:${d.absentParty}`, source, { absentParty: d.absentParty });
      return;
    }
    if (d.absentParty === 'student') {
      // The tutor was there: they are paid, after the usual dispute window.
      const now = this.clock.now();
      await this.escrows.scheduleRelease(em, escrow, this.releaseAt(now), now, source);
      return;
    }
    await this.settle(em, escrow, 'refund', 10000, d.absentParty === 'both' ? 'no_show' : 'tutor_absent', source);
  }

  @OnEvent('sessions.session.ended.v1')
  async onSessionEnded(d: EventDataOf<'sessions.session.ended.v1'>, { em }: EventContext) {
    await this.lockBookingIfKnown(em, d.bookingId);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    const source = 'sessions.session.ended';
    if (!escrow) {
      await this.escrows.audit(em, {
        bookingId: d.bookingId,
        escrowId: null,
        action: 'session_ended',
        outcome: 'ignored',
        fromStatus: null,
        toStatus: null,
        source,
        detail: { reason: 'no escrow for this booking' },
      });
      return;
    }
    // docs/design.md §4: starting counts as joining; a party who never joined is absent. Tutor absent
    // (alone or with the student) → the student gets everything back; otherwise the tutor is
    // paid at endedAt + ESCROW_RELEASE_DELAY_HOURS unless a dispute freezes it first.
    const tutorAbsent = d.attendance.tutorJoinedAt === null;
    const studentAbsent = d.attendance.studentJoinedAt === null;
    if (escrow.status !== 'held') {
      await this.ignore(em, escrow, 'session_ended', source, { sessionId: d.sessionId });
      return;
    }
    if (d.abandonedBy === 'tutor') {
      // docs/design.md §4: the tutor ended it before the student joined, in the start window: a tutor's
      // cancellation, so the student gets everything back.
      await this.settle(em, escrow, 'refund', 10000, 'tutor_abandoned', source);
      return;
    }
    if (d.abandonedBy === 'student') {
      // … the student did: a late cancellation by a student who had seen the booking confirmed.
      const booking = await this.bookingRow(em, d.bookingId);
      const startsAt = d.scheduledStartsAt ? new Date(d.scheduledStartsAt) : booking?.starts_at ? new Date(booking.starts_at) : new Date(d.startedAt);
      const bps = cancellationRefundBps(
        { cancelledBy: 'student', previousStatus: 'confirmed', startsAt, cancelledAt: new Date(d.endedAt) },
        this.cancellationPolicy,
      );
      await this.settle(em, escrow, 'split', bps, 'student_abandoned', source);
      return;
    }
    if (tutorAbsent) {
      await this.settle(em, escrow, 'refund', 10000, studentAbsent ? 'no_show' : 'tutor_absent', source);
      return;
    }
    await this.escrows.scheduleRelease(em, escrow, this.releaseAt(new Date(d.endedAt)), this.clock.now(), source);
  }

  /**
   * The dispute freezes the escrow if its money is still there, and says so either way: bookings
   * lets an admin resolve only a dispute whose freeze payments confirmed, and closes one whose
   * freeze came too late (the release won the race) with that outcome, telling the student. So
   * bookings never shows a money outcome that payments did not carry out.
   */
  @OnEvent('bookings.dispute.opened.v1')
  async onDisputeOpened(d: EventDataOf<'bookings.dispute.opened.v1'>, { em }: EventContext) {
    await this.lockBookingIfKnown(em, d.bookingId);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    const detail = { disputeId: d.disputeId };
    const parties = { bookingId: d.bookingId, studentId: d.studentId, tutorId: d.tutorId, disputeId: d.disputeId };
    if (!escrow) {
      await this.escrows.audit(em, {
        bookingId: d.bookingId,
        escrowId: null,
        action: 'freeze',
        outcome: 'ignored',
        fromStatus: null,
        toStatus: null,
        source: 'bookings.dispute.opened',
        detail: { ...detail, reason: 'no escrow for this booking' },
      });
      await this.outbox.add(em, 'payments.escrow.freeze_rejected.v1', { ...parties, escrowId: null, escrowStatus: 'none', reason: 'no_escrow' });
      return;
    }
    if (escrow.status === 'frozen') {
      // The same dispute again (a redelivery under a new id): it is frozen, and bookings was told.
      await this.ignore(em, escrow, 'freeze', 'bookings.dispute.opened', detail);
      return;
    }
    // Already released (the release won the race with the dispute) or refunded: the money has
    // left escrow and may already be withdrawn; taking it back would mean a negative wallet.
    if (escrow.status === 'released' || escrow.status === 'refunded') {
      await this.ignore(em, escrow, 'freeze', 'bookings.dispute.opened', detail);
      await this.outbox.add(em, 'payments.escrow.freeze_rejected.v1', {
        ...parties,
        escrowId: escrow.id,
        escrowStatus: escrow.status,
        reason: escrow.status === 'released' ? 'already_released' : 'already_refunded',
      });
      return;
    }
    const frozen = await this.escrows.freeze(em, escrow, this.clock.now(), 'bookings.dispute.opened', detail);
    if (frozen) {
      await this.outbox.add(em, 'payments.escrow.frozen.v1', {
        ...parties,
        escrowId: escrow.id,
        amount: { amountMinor: minor(escrow.amount_minor), currency: escrow.currency },
      });
    }
  }

  @OnEvent('bookings.dispute.resolved.v1')
  async onDisputeResolved(d: EventDataOf<'bookings.dispute.resolved.v1'>, { em }: EventContext) {
    await this.lockBookingIfKnown(em, d.bookingId);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    const source = 'bookings.dispute.resolved';
    if (!escrow) {
      await this.escrows.audit(em, {
        bookingId: d.bookingId,
        escrowId: null,
        action: `resolve:${d.outcome}`,
        outcome: 'ignored',
        fromStatus: null,
        toStatus: null,
        source,
        detail: { disputeId: d.disputeId, reason: 'no escrow for this booking' },
      });
      return;
    }
    // Bookings resolves only a dispute whose freeze we confirmed, so the escrow is frozen; any
    // other state (a replay after settlement) is recorded and ignored, never settled from here.
    if (escrow.status !== 'frozen') {
      await this.ignore(em, escrow, `resolve:${d.outcome}`, source, { disputeId: d.disputeId, reason: 'escrow not frozen' });
      return;
    }
    if (d.outcome === 'release') await this.settle(em, escrow, 'release', 0, 'dispute_release', source);
    else if (d.outcome === 'refund') await this.settle(em, escrow, 'refund', 10000, 'dispute_refund', source);
    else await this.settle(em, escrow, 'split', d.refundBasisPoints, 'dispute_split', source);
  }

  private releaseAt(from: Date): Date {
    return releaseAtAfter(from, this.config.ESCROW_RELEASE_DELAY_HOURS);
  }

  private async settle(em: EntityManager, escrow: EscrowRow, action: 'release' | 'refund' | 'split', bps: number, reason: string, source: string) {
    const applied = await this.escrows.settle(em, escrow, { action, refundBps: bps, reason, now: this.clock.now(), source });
    if (applied) this.refunds.kickSoon();
  }

  private async refundIfOnlyHeld(em: EntityManager, bookingId: string, reason: string, source: string) {
    const escrow = await lockEscrowByBooking(em, bookingId);
    if (!escrow) return;
    // A paid booking that bookings still expired or declined (it saw the payment too late):
    // the lesson will not happen, so the student gets everything back.
    if (escrow.status !== 'held') {
      await this.ignore(em, escrow, `refund:${reason}`, source, {});
      return;
    }
    await this.settle(em, escrow, 'refund', 10000, reason, source);
  }

  private async ignore(em: EntityManager, escrow: EscrowRow, action: string, source: string, detail: Record<string, unknown>) {
    await this.escrows.audit(em, {
      bookingId: escrow.booking_id,
      escrowId: escrow.id,
      action,
      outcome: 'ignored',
      fromStatus: escrow.status,
      toStatus: null,
      source,
      detail,
    });
  }

  private async bookingRow(em: EntityManager, bookingId: string): Promise<{ starts_at: Date | null } | undefined> {
    const rows: Array<{ starts_at: Date | null }> = await em.query(`SELECT starts_at FROM payments.bookings WHERE booking_id = $1`, [bookingId]);
    return rows[0];
  }

  private async lockBookingIfKnown(em: EntityManager, bookingId: string): Promise<void> {
    await em.query(`SELECT 1 FROM payments.bookings WHERE booking_id = $1 FOR UPDATE`, [bookingId]);
  }

  /** Upserts the read model to a terminal status (first terminal status wins) and locks the row. */
  private async markTerminal(
    em: EntityManager,
    d: { bookingId: string; studentId: string; tutorId: string },
    status: TerminalStatus,
    refundBps: number | null,
  ): Promise<BookingRow> {
    const [row] = (await em.query(
      `INSERT INTO payments.bookings (booking_id, student_id, tutor_id, status, refund_bps, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (booking_id) DO UPDATE
          SET status = CASE WHEN payments.bookings.status = 'accepted' THEN EXCLUDED.status ELSE payments.bookings.status END,
              refund_bps = COALESCE(payments.bookings.refund_bps, EXCLUDED.refund_bps),
              updated_at = EXCLUDED.updated_at
       RETURNING *`,
      [d.bookingId, d.studentId, d.tutorId, status, refundBps, this.clock.now()],
    )) as BookingRow[];
    return row;
  }
}
