import type { EntityManager } from 'typeorm';
import type { Currency, Dispute, DisputeResult } from '@tutorhub/contracts';
import type { CursorKey } from '../shared/cursor';
import { iso, isoOrNull, toSafeInt } from '../shared/sql';
import type { BookingStore } from './booking.store';

export interface DisputeRow {
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

/** What a locked dispute's handlers decide from. */
export type LockedDispute = Pick<DisputeRow, 'status' | 'frozen_at' | 'booking_status_before'>;

const SELECT = `
  SELECT d.id, d.booking_id, b.student_id, b.tutor_id, d.reason, d.status, d.outcome, d.refund_bps,
         d.resolution_note, d.resolved_by, b.price_minor, b.currency, d.opened_at, d.resolved_at,
         d.frozen_at, d.closed_reason, d.closed_at, d.booking_status_before
    FROM bookings.disputes d
    JOIN bookings.bookings b ON b.id = d.booking_id`;

export function toDispute(r: DisputeRow): Dispute {
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

/**
 * The `disputes` table (one per booking). Callers lock the booking first, then the dispute: the
 * same lock order everywhere (open, resolve, payments' freeze answers).
 */
export const DisputeStore = {
  async findByBooking(em: EntityManager, bookingId: string): Promise<DisputeRow | null> {
    const rows: DisputeRow[] = await em.query(`${SELECT} WHERE d.booking_id = $1`, [bookingId]);
    return rows[0] ?? null;
  },

  async insertOpen(
    em: EntityManager,
    d: { id: string; bookingId: string; openedBy: string; reason: string; openedAt: Date; statusBefore: 'completed' | 'no_show' },
  ): Promise<void> {
    await em.query(
      `INSERT INTO bookings.disputes (id, booking_id, opened_by, reason, status, opened_at, booking_status_before)
       VALUES ($1, $2, $3, $4, 'open', $5, $6)`,
      [d.id, d.bookingId, d.openedBy, d.reason, d.openedAt, d.statusBefore],
    );
  },

  /** Newest first. */
  async list(em: EntityManager, opts: { status?: DisputeRow['status']; after: CursorKey | null; limit: number }): Promise<DisputeRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.status) {
      params.push(opts.status);
      where.push(`d.status = $${params.length}`);
    }
    if (opts.after) {
      params.push(opts.after.at, opts.after.id);
      where.push(`(d.opened_at, d.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(opts.limit + 1);
    return em.query(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.opened_at DESC, d.id DESC LIMIT $${params.length}`,
      params,
    );
  },

  /** The booking of an open dispute whose freeze payments has not confirmed yet; null otherwise. */
  async bookingAwaitingFreeze(em: EntityManager, disputeId: string): Promise<string | null> {
    const rows: Array<{ booking_id: string }> = await em.query(
      `SELECT booking_id FROM bookings.disputes WHERE id = $1 AND status = 'open' AND frozen_at IS NULL`,
      [disputeId],
    );
    return rows[0]?.booking_id ?? null;
  },

  /** True once the freeze is confirmed or the dispute has ended; null before (the shape ReadYourWrites.await polls for). */
  async freezeSettled(em: EntityManager, disputeId: string): Promise<true | null> {
    const rows: unknown[] = await em.query(`SELECT 1 FROM bookings.disputes WHERE id = $1 AND (status <> 'open' OR frozen_at IS NOT NULL)`, [disputeId]);
    return rows[0] !== undefined ? true : null;
  },

  async bookingIdOf(em: EntityManager, disputeId: string): Promise<string | null> {
    const found: Array<{ booking_id: string }> = await em.query(`SELECT booking_id FROM bookings.disputes WHERE id = $1`, [disputeId]);
    return found[0]?.booking_id ?? null;
  },

  /** SELECT … FOR UPDATE in the caller's transaction (after the booking's lock). */
  async lock(em: EntityManager, disputeId: string): Promise<LockedDispute | null> {
    const [dispute]: LockedDispute[] = await em.query(
      `SELECT status, frozen_at, booking_status_before FROM bookings.disputes WHERE id = $1 FOR UPDATE`,
      [disputeId],
    );
    return dispute ?? null;
  },

  async markResolved(
    em: EntityManager,
    disputeId: string,
    r: { outcome: string; refundBps: number; note: string | null; resolvedBy: string; resolvedAt: Date },
  ): Promise<void> {
    await em.query(
      `UPDATE bookings.disputes SET status = 'resolved', outcome = $2, refund_bps = $3, resolution_note = $4, resolved_by = $5, resolved_at = $6
        WHERE id = $1`,
      [disputeId, r.outcome, r.refundBps, r.note, r.resolvedBy, r.resolvedAt],
    );
  },

  /** Payments confirmed the freeze (the first confirmation counts). */
  async markFrozen(em: EntityManager, disputeId: string, at: Date): Promise<void> {
    await em.query(`UPDATE bookings.disputes SET frozen_at = $2 WHERE id = $1 AND frozen_at IS NULL`, [disputeId, at]);
  },

  async markClosed(em: EntityManager, disputeId: string, reason: string, at: Date): Promise<void> {
    await em.query(`UPDATE bookings.disputes SET status = 'closed', closed_reason = $2, closed_at = $3 WHERE id = $1`, [disputeId, reason, at]);
  },

  /** The dispute and its booking as the open/resolve answers carry them. */
  async result(em: EntityManager, bookings: BookingStore, disputeId: string, bookingId: string): Promise<DisputeResult> {
    const rows: DisputeRow[] = await em.query(`${SELECT} WHERE d.id = $1`, [disputeId]);
    const booking = await bookings.view(em, bookingId);
    if (!rows[0] || !booking) throw new Error('dispute or booking vanished inside its own transaction');
    return { dispute: toDispute(rows[0]), booking };
  },
};
