import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { RpcError } from '@tutorhub/messaging';
import {
  acceptedBooking,
  admin,
  checkout,
  initiate,
  jobs,
  ledgerInvariants,
  publish,
  startHarness,
  tutor,
  type Harness,
  type TestBooking,
} from './harness';

// Random sequences of everything that moves money — pay, cancel (any refund share), session
// end (tutor present or absent), dispute open/resolve, the release job, admin release/refund,
// refunds at Chapa, withdrawals — some of them racing each other, all through the real service
// against the real database and the sandbox. Whatever the order, the ledger stays balanced, no
// balance goes negative, and every escrow is settled at most once.

jest.setTimeout(600_000);

let h: Harness;
const HOUR = 3_600_000;
const BOOKINGS = 3;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

type Op =
  | { k: 'pay'; i: number }
  | { k: 'cancel'; i: number; bps: number }
  | { k: 'end'; i: number; tutorAbsent: boolean }
  | { k: 'dispute'; i: number }
  | { k: 'resolve'; i: number; outcome: 'release' | 'refund' | 'split'; bps: number }
  | { k: 'time' }
  | { k: 'adminRelease'; i: number }
  | { k: 'adminRefund'; i: number; bps: number }
  | { k: 'refunds' }
  | { k: 'withdraw'; amount: number }
  | { k: 'race'; a: Op; b: Op };

const idx = fc.integer({ min: 0, max: BOOKINGS - 1 });
const bps = fc.oneof(fc.constantFrom(0, 5000, 10000), fc.integer({ min: 0, max: 10000 }));
const simple: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: idx.map((i) => ({ k: 'pay' as const, i })), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant('cancel' as const), i: idx, bps }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('end' as const), i: idx, tutorAbsent: fc.boolean() }), weight: 3 },
  { arbitrary: idx.map((i) => ({ k: 'dispute' as const, i })), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('resolve' as const), i: idx, outcome: fc.constantFrom('release' as const, 'refund' as const, 'split' as const), bps }), weight: 2 },
  { arbitrary: fc.constant({ k: 'time' as const }), weight: 3 },
  { arbitrary: idx.map((i) => ({ k: 'adminRelease' as const, i })), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('adminRefund' as const), i: idx, bps }), weight: 1 },
  { arbitrary: fc.constant({ k: 'refunds' as const }), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 200000 }).map((amount) => ({ k: 'withdraw' as const, amount })), weight: 2 },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: simple, weight: 5 },
  { arbitrary: fc.record({ k: fc.constant('race' as const), a: simple, b: simple }), weight: 1 },
);

/** Refusals the service may legitimately answer to an out-of-order command. */
function expected(err: unknown): void {
  if (err instanceof RpcError && [404, 409, 422].includes(err.status)) return;
  throw err;
}

async function run(o: Op, bookings: TestBooking[], t: ReturnType<typeof tutor>): Promise<void> {
  const b = 'i' in o ? bookings[o.i] : bookings[0];
  const parties = { bookingId: b.bookingId, studentId: b.student.userId, tutorId: b.tutor.userId };
  switch (o.k) {
    case 'pay': {
      const p = await initiate(h, b).catch((err: unknown) => expected(err));
      if (p && p.status === 'initiated') await checkout(h, p.txRef);
      return;
    }
    case 'cancel':
      await publish(h, 'bookings.booking.cancelled.v1', {
        ...parties,
        cancelledBy: b.student.userId,
        cancelledByRole: 'student',
        reason: null,
        refundBasisPoints: o.bps,
        previousStatus: 'confirmed',
        startsAt: b.startsAt.toISOString(),
      });
      return;
    case 'end':
      await publish(h, 'sessions.session.ended.v1', {
        ...parties,
        sessionId: randomUUID(),
        endedBy: 'system',
        startedAt: b.startsAt.toISOString(),
        endedAt: b.endsAt.toISOString(),
        durationSeconds: 3600,
        scheduledDurationSeconds: 3600,
        attendance: { studentJoinedAt: b.startsAt.toISOString(), tutorJoinedAt: o.tutorAbsent ? null : b.startsAt.toISOString() },
        absentParty: o.tutorAbsent ? 'tutor' : null,
      });
      return;
    case 'dispute':
      await publish(h, 'bookings.dispute.opened.v1', { ...parties, disputeId: randomUUID(), reason: 'property test' });
      return;
    case 'resolve':
      await publish(h, 'bookings.dispute.resolved.v1', { ...parties, disputeId: randomUUID(), outcome: o.outcome, refundBasisPoints: o.bps, resolvedBy: randomUUID() });
      return;
    case 'time':
      h.clock.advance(25 * HOUR);
      await jobs(h).release();
      return;
    case 'adminRelease':
      await h.rpc.call('payments', 'payments.admin.release', { bookingId: b.bookingId }, { actor: admin(), timeoutMs: 20000 }).catch(expected);
      return;
    case 'adminRefund':
      await h.rpc
        .call('payments', 'payments.admin.refund', { bookingId: b.bookingId, refundBasisPoints: o.bps }, { actor: admin(), timeoutMs: 20000 })
        .catch(expected);
      return;
    case 'refunds':
      await jobs(h).refunds();
      return;
    case 'withdraw':
      await h.rpc
        .call(
          'payments',
          'payments.wallet.withdraw',
          { amount: { amountMinor: o.amount, currency: 'ETB' }, bankCode: 946, accountNumber: o.amount % 3 === 0 ? '0000111' : '1000222333', accountName: 'Property Tutor' },
          { actor: t, timeoutMs: 20000 },
        )
        .catch(expected);
      return;
    case 'race':
      await Promise.all([run(o.a, bookings, t), run(o.b, bookings, t)]);
      return;
  }
}

/** Per-escrow invariants on top of the global ledger ones. */
async function escrowInvariants(bookings: TestBooking[]): Promise<void> {
  const ids = bookings.map((b) => b.bookingId);
  const escrows = (await h.ds.query(
    `SELECT e.id, e.status, e.amount_minor, e.refund_minor, e.tutor_minor, e.fee_minor, a.balance_minor AS escrow_balance,
            (SELECT count(*)::int FROM payments.ledger_transactions t WHERE t.escrow_id = e.id AND t.kind IN ('escrow_released', 'escrow_refunded', 'escrow_split')) AS settlements,
            (SELECT coalesce(sum(r.amount_minor), 0) FROM payments.refunds r WHERE r.escrow_id = e.id) AS refunds
       FROM payments.escrows e JOIN payments.ledger_accounts a ON a.kind = 'escrow' AND a.ref = e.booking_id AND a.currency = e.currency
      WHERE e.booking_id = ANY($1::uuid[])`,
    [ids],
  )) as Array<Record<string, string | number>>;
  for (const e of escrows) {
    const final = e.status === 'released' || e.status === 'refunded';
    expect({ id: e.id, settlements: e.settlements }).toEqual({ id: e.id, settlements: final ? 1 : 0 });
    expect(Number(e.escrow_balance)).toBe(final ? 0 : Number(e.amount_minor));
    if (final) {
      expect(Number(e.refund_minor) + Number(e.tutor_minor) + Number(e.fee_minor)).toBe(Number(e.amount_minor));
      expect(Number(e.refunds)).toBe(Number(e.refund_minor));
    }
  }
  // Every payment verified at Chapa was captured exactly once.
  const captures = (await h.ds.query(
    `SELECT p.id, (SELECT count(*)::int FROM payments.ledger_transactions t WHERE t.payment_id = p.id AND t.kind = 'payment_captured') AS n
       FROM payments.payments p WHERE p.booking_id = ANY($1::uuid[]) AND p.status IN ('succeeded', 'refunded')`,
    [ids],
  )) as Array<{ id: string; n: number }>;
  for (const c of captures) expect(c.n).toBe(1);
}

it('keeps the ledger balanced and every balance non-negative under random sequences of money movements', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ amountMinor: fc.integer({ min: 100, max: 500000 }), paidFirst: fc.boolean() }), { minLength: BOOKINGS, maxLength: BOOKINGS }),
      fc.array(op, { minLength: 3, maxLength: 16 }),
      async (setup, ops) => {
        const t = tutor();
        const bookings: TestBooking[] = [];
        for (const { amountMinor } of setup) bookings.push(await acceptedBooking(h, { tutor: t, price: { amountMinor, currency: 'ETB' } }));
        // Most sequences start from paid bookings, so that the interesting movements happen.
        for (const [i, { paidFirst }] of setup.entries()) if (paidFirst) await run({ k: 'pay', i }, bookings, t);
        for (const o of ops) await run(o, bookings, t);
        await jobs(h).refunds();
        await ledgerInvariants(h.ds);
        await escrowInvariants(bookings);
      },
    ),
    { numRuns: 30 },
  );
});
