import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { RefundProcessor } from '../refunds/refund.processor';
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
  ) {}

  @OnEvent('bookings.booking.accepted.v1')
  async onAccepted(d: EventDataOf<'bookings.booking.accepted.v1'>, { em }: EventContext) {
    // A terminal status that arrived first (reordering) wins; the price and times fill in.
    await em.query(
      `INSERT INTO payments.bookings (booking_id, student_id, tutor_id, price_minor, currency, starts_at, ends_at, status, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', $8)
       ON CONFLICT (booking_id) DO UPDATE
          SET price_minor = EXCLUDED.price_minor, currency = EXCLUDED.currency,
              starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, updated_at = EXCLUDED.updated_at`,
      [d.bookingId, d.studentId, d.tutorId, d.price.amountMinor, d.price.currency, d.startsAt, d.endsAt, this.clock.now()],
    );
  }

  @OnEvent('bookings.booking.cancelled.v1')
  async onCancelled(d: EventDataOf<'bookings.booking.cancelled.v1'>, { em }: EventContext) {
    await this.markTerminal(em, d, 'cancelled', d.refundBasisPoints);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    if (!escrow) return; // not paid (yet): a payment that still succeeds is refunded in full on arrival
    // DESIGN §3: the refund share goes back to the student; the rest is released to the tutor at
    // once, less the fee. A frozen escrow is the dispute's to decide, not the cancellation's.
    if (escrow.status === 'frozen') {
      await this.ignore(em, escrow, 'cancel', 'bookings.booking.cancelled', { refundBasisPoints: d.refundBasisPoints });
      return;
    }
    await this.settle(em, escrow, 'split', d.refundBasisPoints, 'booking_cancelled', 'bookings.booking.cancelled');
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
    // DESIGN §4: starting counts as joining; a party who never joined is absent. Tutor absent
    // (alone or with the student) → the student gets everything back; otherwise the tutor is
    // paid at endedAt + ESCROW_RELEASE_DELAY_HOURS unless a dispute freezes it first.
    const tutorAbsent = d.attendance.tutorJoinedAt === null;
    const studentAbsent = d.attendance.studentJoinedAt === null;
    if (escrow.status !== 'held') {
      await this.ignore(em, escrow, 'session_ended', source, { sessionId: d.sessionId });
      return;
    }
    if (tutorAbsent) {
      await this.settle(em, escrow, 'refund', 10000, studentAbsent ? 'no_show' : 'tutor_absent', source);
      return;
    }
    await this.escrows.scheduleRelease(em, escrow, this.releaseAt(new Date(d.endedAt)), this.clock.now(), source);
  }

  @OnEvent('bookings.dispute.opened.v1')
  async onDisputeOpened(d: EventDataOf<'bookings.dispute.opened.v1'>, { em }: EventContext) {
    await this.lockBookingIfKnown(em, d.bookingId);
    const escrow = await lockEscrowByBooking(em, d.bookingId);
    const detail = { disputeId: d.disputeId };
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
      return;
    }
    // Already released (the release won the race with the dispute) or refunded: the money has
    // left escrow and may already be withdrawn; taking it back would mean a negative wallet.
    // The freeze is recorded in escrow_audit and ignored; the admin resolving the dispute sees
    // that the escrow is settled and deals with it outside the escrow.
    await this.escrows.freeze(em, escrow, this.clock.now(), 'bookings.dispute.opened', detail);
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
