import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  bookingsRpc,
  type Currency,
  type Dispute,
  type DisputeResult,
  type Page,
} from '@tutorhub/contracts';
import { OnRpc, OutboxService, ReadYourWrites, type RpcContext } from '@tutorhub/messaging';
import { AppError, Clock } from '@tutorhub/platform';
import { endDisputeAction, openDispute, resolveDispute, validateDisputeResolution } from '../domain/dispute-rules';
import { bookingNotFound, disputeNotFound, requireRole } from '../shared/access';
import { BookingStore, parties } from '../stores/booking.store';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { iso, isoOrNull, toSafeInt } from '../shared/sql';

interface DisputeRow {
  id: string;
  booking_id: string;
  student_id: string;
  tutor_id: string;
  reason: string;
  status: 'open' | 'resolved' | 'closed';
  outcome: 'release' | 'refund' | 'split' | null;
  refund_bps: number | null;
  resolution_note: string | null;
  resolved_by: string | null;
  price_minor: string;
  currency: Currency;
  opened_at: Date;
  resolved_at: Date | null;
  frozen_at: Date | null;
  closed_reason: 'already_released' | 'already_refunded' | 'no_escrow' | null;
  closed_at: Date | null;
  booking_status_before: 'completed' | 'no_show';
}

const SELECT = `
  SELECT d.id, d.booking_id, b.student_id, b.tutor_id, d.reason, d.status, d.outcome, d.refund_bps,
         d.resolution_note, d.resolved_by, b.price_minor, b.currency, d.opened_at, d.resolved_at,
         d.frozen_at, d.closed_reason, d.closed_at, d.booking_status_before
    FROM bookings.disputes d
    JOIN bookings.bookings b ON b.id = d.booking_id`;

function toDispute(r: DisputeRow): Dispute {
  return {
    id: r.id,
    bookingId: r.booking_id,
    studentId: r.student_id,
    tutorId: r.tutor_id,
    reason: r.reason,
    status: r.status,
    outcome: r.outcome,
    refundBasisPoints: r.refund_bps,
    resolutionNote: r.resolution_note,
    resolvedBy: r.resolved_by,
    price: { amountMinor: toSafeInt(r.price_minor, 'price_minor'), currency: r.currency },
    openedAt: iso(r.opened_at),
    resolvedAt: isoOrNull(r.resolved_at),
    frozenAt: isoOrNull(r.frozen_at),
    closedReason: r.closed_reason,
    closedAt: isoOrNull(r.closed_at),
  };
}

const alreadyEnded = () =>
  new AppError(409, 'dispute.already_resolved', 'The dispute about this lesson has ended; it cannot be reopened.');

/**
 * The student disputes a completed lesson (or a no-show that pays the tutor) while its money is
 * still in escrow; payments freezes the release on `dispute.opened` and answers `escrow.frozen`,
 * or `escrow.freeze_rejected` when the money had already left (see DisputeEventsHandler). An
 * admin resolves a frozen dispute (release, refund, or split) and payments moves the money on
 * `dispute.resolved`. One dispute per booking: once it has ended, the decision stands.
 */
@Injectable()
export class DisputesRpc {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly store: BookingStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @OnRpc(bookingsRpc.dispute)
  async open({ actor, data: input }: RpcContext<typeof bookingsRpc.dispute>): Promise<DisputeResult> {
    const student = requireRole(actor, 'student');
    return this.ds.transaction(async (em) => {
      const booking = await this.store.lock(em, input.bookingId);
      if (!booking || booking.studentId !== student.userId) throw bookingNotFound();
      const previous = await this.findByBooking(em, booking.id);
      if (previous && previous.status !== 'open') throw alreadyEnded();
      openDispute({ bookingStatus: booking.status, escrowStatus: booking.moneyStatus, actorRole: student.role, absentParty: booking.absentParty });
      const statusBefore = booking.status === 'no_show' ? 'no_show' : 'completed';
      // The money status stays what payments last told us: `frozen` only once it confirms.
      const disputed = await this.store.transition(em, booking, 'open_dispute');
      const id = randomUUID();
      await em.query(
        `INSERT INTO bookings.disputes (id, booking_id, opened_by, reason, status, opened_at, booking_status_before)
         VALUES ($1, $2, $3, $4, 'open', $5, $6)`,
        [id, booking.id, student.userId, input.reason, this.clock.now(), statusBefore],
      );
      await this.outbox.add(em, 'bookings.dispute.opened.v1', { disputeId: id, ...parties(disputed), reason: input.reason });
      return this.result(em, id, booking.id);
    });
  }

  @OnRpc(bookingsRpc.disputesList)
  async list({ actor, data: input }: RpcContext<typeof bookingsRpc.disputesList>): Promise<Page<Dispute>> {
    requireRole(actor, 'admin');
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(input.cursor);
    const where: string[] = [];
    const params: unknown[] = [];
    if (input.status) {
      params.push(input.status);
      where.push(`d.status = $${params.length}`);
    }
    if (after) {
      params.push(after.at, after.id);
      where.push(`(d.opened_at, d.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: DisputeRow[] = await this.ds.query(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.opened_at DESC, d.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, limit, (r) => ({ at: r.opened_at, id: r.id }), toDispute);
  }

  @OnRpc(bookingsRpc.disputesResolve)
  async resolve({ actor, data: input }: RpcContext<typeof bookingsRpc.disputesResolve>): Promise<DisputeResult> {
    const admin = requireRole(actor, 'admin');
    // Resolving needs payments' confirmation of the freeze: wait for it, bounded (read-your-writes).
    const awaitingFreeze: Array<{ booking_id: string }> = await this.ds.query(
      `SELECT booking_id FROM bookings.disputes WHERE id = $1 AND status = 'open' AND frozen_at IS NULL`,
      [input.disputeId],
    );
    if (awaitingFreeze[0]) {
      await this.readYourWrites.await(awaitingFreeze[0].booking_id, async () => {
        const rows: unknown[] = await this.ds.query(`SELECT 1 FROM bookings.disputes WHERE id = $1 AND (status <> 'open' OR frozen_at IS NOT NULL)`, [
          input.disputeId,
        ]);
        return rows[0];
      });
    }
    return this.ds.transaction(async (em) => {
      const found: Array<{ booking_id: string }> = await em.query(`SELECT booking_id FROM bookings.disputes WHERE id = $1`, [input.disputeId]);
      if (!found[0]) throw disputeNotFound();
      // Booking first, then the dispute: the same lock order as opening one.
      const booking = await this.store.lock(em, found[0].booking_id);
      if (!booking) throw bookingNotFound();
      const [dispute]: Array<Pick<DisputeRow, 'status' | 'frozen_at' | 'booking_status_before'>> = await em.query(
        `SELECT status, frozen_at, booking_status_before FROM bookings.disputes WHERE id = $1 FOR UPDATE`,
        [input.disputeId],
      );
      if (!dispute) throw disputeNotFound();
      const resolution = validateDisputeResolution({ outcome: input.outcome, refundBps: input.refundBasisPoints });
      resolveDispute({
        bookingStatus: booking.status,
        actorRole: admin.role,
        dispute: { status: dispute.status, frozen: dispute.frozen_at !== null, statusBefore: dispute.booking_status_before },
      });
      const resolved = await this.store.transition(em, booking, endDisputeAction(dispute.booking_status_before, 'resolve'));
      const note = input.note ? input.note : null;
      await em.query(
        `UPDATE bookings.disputes SET status = 'resolved', outcome = $2, refund_bps = $3, resolution_note = $4, resolved_by = $5, resolved_at = $6
          WHERE id = $1`,
        [input.disputeId, resolution.outcome, resolution.refundBps, note, admin.userId, this.clock.now()],
      );
      await this.outbox.add(em, 'bookings.dispute.resolved.v1', {
        disputeId: input.disputeId,
        ...parties(resolved),
        outcome: resolution.outcome,
        refundBasisPoints: resolution.refundBps,
        resolvedBy: admin.userId,
      });
      return this.result(em, input.disputeId, booking.id);
    });
  }

  private async findByBooking(em: EntityManager, bookingId: string): Promise<DisputeRow | null> {
    const rows: DisputeRow[] = await em.query(`${SELECT} WHERE d.booking_id = $1`, [bookingId]);
    return rows[0] ?? null;
  }

  private async result(em: EntityManager, disputeId: string, bookingId: string): Promise<DisputeResult> {
    const rows: DisputeRow[] = await em.query(`${SELECT} WHERE d.id = $1`, [disputeId]);
    const booking = await this.store.view(em, bookingId);
    if (!rows[0] || !booking) throw new Error('dispute or booking vanished inside its own transaction');
    return { dispute: toDispute(rows[0]), booking };
  }
}
