import { withDb } from '@tutorhub/testing';
import type { BookingFacts } from './story';

/**
 * Reads, for every booking, what bookings, payments and sessions each recorded (the schemas of
 * apps/{bookings,payments,sessions}/src/migrations), in one read-only snapshot.
 */
const SQL = `
  SELECT b.id AS booking_id, b.student_id, b.tutor_id, b.status, b.money_status,
         b.refunded_minor::text, b.released_minor::text, b.price_minor::text, b.starts_at, b.ends_at,
         b.confirmed_at, b.cancelled_at, b.cancelled_by_role, b.refund_bps AS booking_refund_bps, b.absent_party,
         (SELECT o.envelope->'data'->>'previousStatus' FROM bookings.outbox o
           WHERE o.type = 'bookings.booking.cancelled.v1' AND o.envelope->'data'->>'bookingId' = b.id::text
           ORDER BY o.id LIMIT 1) AS cancel_previous_status,
         d.status AS dispute_status, d.outcome AS dispute_outcome, d.refund_bps AS dispute_refund_bps,
         e.status AS escrow_status, e.amount_minor::text AS escrow_amount, e.refund_minor::text AS escrow_refund,
         e.tutor_minor::text AS escrow_tutor, e.fee_minor::text AS escrow_fee, e.settle_reason, e.release_at,
         (SELECT count(*)::int FROM payments.ledger_transactions t
           WHERE t.escrow_id = e.id AND t.kind IN ('escrow_released', 'escrow_refunded', 'escrow_split')) AS settlements,
         (SELECT COALESCE(sum(p.amount_minor), 0)::text FROM payments.payments p
           WHERE p.booking_id = b.id AND EXISTS (SELECT 1 FROM payments.ledger_transactions t WHERE t.payment_id = p.id AND t.kind = 'payment_captured')) AS captured_minor,
         (SELECT COALESCE(max(n), 0)::int FROM (SELECT count(*) AS n FROM payments.ledger_transactions t JOIN payments.payments p ON p.id = t.payment_id
           WHERE p.booking_id = b.id AND t.kind = 'payment_captured' GROUP BY t.payment_id) x) AS max_captures,
         (SELECT COALESCE(sum(r.amount_minor), 0)::text FROM payments.refunds r WHERE r.booking_id = b.id AND r.escrow_id IS NULL) AS refunded_on_arrival,
         s.status AS session_status, s.started_at AS session_started_at, s.ended_at AS session_ended_at, s.ended_by AS session_ended_by,
         (SELECT a.first_joined_at FROM sessions.session_attendance a WHERE a.session_id = s.id AND a.role = 'tutor') AS tutor_joined_at,
         (SELECT a.first_joined_at FROM sessions.session_attendance a WHERE a.session_id = s.id AND a.role = 'student') AS student_joined_at,
         now() AS now
    FROM bookings.bookings b
    LEFT JOIN bookings.disputes d ON d.booking_id = b.id
    LEFT JOIN payments.escrows e ON e.booking_id = b.id
    LEFT JOIN sessions.sessions s ON s.booking_id = b.id
   ORDER BY b.created_at`;

const num = (v: string | null): number | null => (v === null || v === undefined ? null : Number(v));

export async function readFacts(url: string): Promise<BookingFacts[]> {
  return withDb(url, async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const { rows } = await c.query(SQL);
      return rows.map(
        (r): BookingFacts => ({
          bookingId: r.booking_id,
          studentId: r.student_id,
          tutorId: r.tutor_id,
          status: r.status,
          moneyStatus: r.money_status,
          refundedMinor: Number(r.refunded_minor),
          releasedMinor: Number(r.released_minor),
          priceMinor: Number(r.price_minor),
          startsAt: r.starts_at,
          endsAt: r.ends_at,
          confirmedAt: r.confirmed_at,
          cancelledAt: r.cancelled_at,
          cancelledByRole: r.cancelled_by_role,
          bookingRefundBps: r.booking_refund_bps,
          absentParty: r.absent_party,
          cancelPreviousStatus: r.cancel_previous_status,
          disputeStatus: r.dispute_status,
          disputeOutcome: r.dispute_outcome,
          disputeRefundBps: r.dispute_refund_bps,
          escrowStatus: r.escrow_status,
          escrowAmount: num(r.escrow_amount),
          escrowRefund: num(r.escrow_refund),
          escrowTutor: num(r.escrow_tutor),
          escrowFee: num(r.escrow_fee),
          settleReason: r.settle_reason,
          releaseAt: r.release_at,
          settlements: r.settlements,
          capturedMinor: Number(r.captured_minor),
          maxCapturesPerPayment: r.max_captures,
          refundedOnArrivalMinor: Number(r.refunded_on_arrival),
          sessionStatus: r.session_status,
          sessionStartedAt: r.session_started_at,
          sessionEndedAt: r.session_ended_at,
          sessionEndedBy: r.session_ended_by,
          tutorJoinedAt: r.tutor_joined_at,
          studentJoinedAt: r.student_joined_at,
          now: r.now,
        }),
      );
    } finally {
      await c.query('ROLLBACK');
    }
  });
}
