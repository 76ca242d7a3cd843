import type { DataSource, EntityManager } from 'typeorm';
import type { AdminRefundList, AdminRefundsListInput, AdminRefundView } from '@tutorhub/contracts';
import { iso, isoOf, minor } from '../shared/db';
import { listRefundsPage, type RefundRow } from '../stores/refund.store';

/** A refund row as operators see it. */
export function adminRefundView(r: RefundRow): AdminRefundView {
  return {
    id: r.id,
    paymentId: r.payment_id,
    bookingId: r.booking_id,
    source: r.source,
    txRef: r.tx_ref,
    reference: r.reference,
    amount: { amountMinor: minor(r.amount_minor), currency: r.currency },
    status: r.status,
    reason: r.reason,
    attempts: r.attempts,
    lastError: r.last_error,
    chapaRefId: r.chapa_ref_id,
    chapaAmount: r.chapa_amount_minor === null ? null : { amountMinor: minor(r.chapa_amount_minor), currency: r.currency },
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
    settledAt: iso(r.settled_at),
  };
}

/** Newest first; `attention` (the default) = failed and needs_review. Cursor: `<createdAt µs>_<id>`. */
export async function listRefunds(db: DataSource | EntityManager, input: AdminRefundsListInput): Promise<AdminRefundList> {
  const limit = input.limit ?? 50;
  const status = input.status ?? 'attention';
  const statuses = status === 'attention' ? ['failed', 'needs_review'] : [status];
  let after: { micros: string; id: string } | null = null;
  if (input.cursor) {
    const [micros, id] = input.cursor.split('_');
    after = { micros, id };
  }
  const found = await listRefundsPage(db, { statuses, afterMicros: after?.micros ?? null, afterId: after?.id ?? null, limit: limit + 1 });
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(adminRefundView),
    nextCursor: found.length > limit && last ? `${last.created_micros}_${last.id}` : null,
  };
}
