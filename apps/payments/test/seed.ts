import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { paymentCapturedPosting } from '../src/domain/ledger';
import { LedgerStore, type Posting } from '../src/stores/ledger.store';

export interface SeededEscrow {
  escrowId: string;
  bookingId: string;
  tutorId: string;
  amountMinor: number;
}

/**
 * Puts `n` paid escrows, due for release at `releaseAt`, straight into the database (bookings,
 * payments, escrows and their capture postings through the service's own LedgerStore), so
 * concurrency and backlog tests start from many escrows without paying each through Chapa.
 */
export async function seedDueEscrows(
  ds: DataSource,
  ledger: LedgerStore,
  o: { n: number; tutors: string[]; releaseAt: Date; amountMinor?: (i: number) => number; chunk?: number },
): Promise<SeededEscrow[]> {
  const all: SeededEscrow[] = [];
  const chunk = o.chunk ?? 5000;
  for (let start = 0; start < o.n; start += chunk) {
    const size = Math.min(chunk, o.n - start);
    const rowsOf = Array.from({ length: size }, (_, k) => {
      const i = start + k;
      return {
        bookingId: randomUUID(),
        paymentId: randomUUID(),
        escrowId: randomUUID(),
        studentId: randomUUID(),
        tutorId: o.tutors[i % o.tutors.length],
        amountMinor: o.amountMinor ? o.amountMinor(i) : 100000 + (i % 997),
      };
    });
    const col = <K extends keyof (typeof rowsOf)[number]>(k: K) => rowsOf.map((r) => r[k]);
    await ds.transaction(async (em) => {
      await em.query(
        `INSERT INTO payments.bookings (booking_id, student_id, tutor_id, price_minor, currency, starts_at, ends_at, status)
         SELECT b, s, t, a, 'ETB', $5::timestamptz - interval '1 day', $5::timestamptz - interval '23 hours', 'accepted'
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[]) AS x(b, s, t, a)`,
        [col('bookingId'), col('studentId'), col('tutorId'), col('amountMinor'), o.releaseAt],
      );
      await em.query(
        `INSERT INTO payments.payments (id, booking_id, student_id, tutor_id, tx_ref, amount_minor, currency, status, checkout_url, verified_at, created_at, updated_at)
         SELECT p, b, s, t, 'SEED-' || replace(p::text, '-', ''), a, 'ETB', 'succeeded', 'http://sandbox.invalid/checkout', $6, $6, $6
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[]) AS x(p, b, s, t, a)`,
        [col('paymentId'), col('bookingId'), col('studentId'), col('tutorId'), col('amountMinor'), o.releaseAt],
      );
      await em.query(
        `INSERT INTO payments.escrows (id, booking_id, payment_id, student_id, tutor_id, amount_minor, currency, status, held_at, release_at, updated_at)
         SELECT e, b, p, s, t, a, 'ETB', 'release_scheduled', $7, $7, $7
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::bigint[]) AS x(e, b, p, s, t, a)`,
        [col('escrowId'), col('bookingId'), col('paymentId'), col('studentId'), col('tutorId'), col('amountMinor'), o.releaseAt],
      );
      const postings: Posting[] = rowsOf.map((r) => ({
        kind: 'payment_captured',
        idempotencyKey: `capture:${r.paymentId}`,
        occurredAt: o.releaseAt,
        bookingId: r.bookingId,
        escrowId: r.escrowId,
        paymentId: r.paymentId,
        entries: paymentCapturedPosting({ bookingId: r.bookingId, currency: 'ETB', amountMinor: r.amountMinor }),
      }));
      await ledger.ensureAccounts(
        em,
        [...new Set(rowsOf.map((r) => r.tutorId))].map((t) => ({ account: { kind: 'tutor_payable' as const, ref: t }, currency: 'ETB' as const })),
      );
      await ledger.post(em, postings);
    });
    all.push(...rowsOf.map((r) => ({ escrowId: r.escrowId, bookingId: r.bookingId, tutorId: r.tutorId, amountMinor: r.amountMinor })));
  }
  return all;
}
