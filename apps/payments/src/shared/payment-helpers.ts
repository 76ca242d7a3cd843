import type { EntityManager } from 'typeorm';
import type { OutboxService } from '@tutorhub/messaging';
import { markPaymentFailed, type PaymentRow } from '../stores/payment.store';
import { minor } from './db';

export function paymentUnavailable(message: string): Error {
  // 503 passes through the RPC layer with its code (it is not a caller error, not a crash).
  return Object.assign(new Error(message), { status: 503, code: 'chapa.unavailable' });
}

/** The body of the payments.payment.* events. */
export function paymentEventData(p: PaymentRow) {
  return {
    paymentId: p.id,
    bookingId: p.booking_id,
    studentId: p.student_id,
    tutorId: p.tutor_id,
    txRef: p.tx_ref,
    amount: { amountMinor: minor(p.amount_minor), currency: p.currency },
  };
}

/** The payment failed (or was retired): recorded and announced in the caller's transaction. */
export async function failPayment(em: EntityManager, outbox: OutboxService, p: PaymentRow, reason: string, now: Date): Promise<void> {
  await markPaymentFailed(em, p.id, reason, now);
  await outbox.add(em, 'payments.payment.failed.v1', { ...paymentEventData(p), reason });
}
