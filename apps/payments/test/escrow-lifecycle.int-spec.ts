import { randomUUID } from 'node:crypto';
import {
  acceptedBooking,
  admin,
  balance,
  initiate,
  jobs,
  ledgerInvariants,
  payFor,
  paymentView,
  publish,
  sandboxStore,
  startHarness,
  student,
  tutor,
  wallet,
  type Harness,
  type TestBooking,
} from './harness';

const HOUR = 3_600_000;
jest.setTimeout(60_000);

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(async () => {
  await ledgerInvariants(h.ds);
});

async function endSession(b: TestBooking, o: { tutorJoined?: boolean; studentJoined?: boolean; endedAt?: Date } = {}) {
  const endedAt = o.endedAt ?? b.endsAt;
  const startedAt = new Date(b.startsAt.getTime());
  await publish(h, 'sessions.session.ended.v1', {
    sessionId: randomUUID(),
    bookingId: b.bookingId,
    studentId: b.student.userId,
    tutorId: b.tutor.userId,
    endedBy: 'system',
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationSeconds: Math.round((endedAt.getTime() - startedAt.getTime()) / 1000),
    scheduledDurationSeconds: 3600,
    attendance: {
      studentJoinedAt: o.studentJoined === false ? null : startedAt.toISOString(),
      tutorJoinedAt: o.tutorJoined === false ? null : startedAt.toISOString(),
    },
    absentParty: o.tutorJoined === false ? (o.studentJoined === false ? 'both' : 'tutor') : o.studentJoined === false ? 'student' : null,
  });
}

async function cancel(b: TestBooking, refundBasisPoints: number, by: 'student' | 'tutor' = 'student') {
  await publish(h, 'bookings.booking.cancelled.v1', {
    bookingId: b.bookingId,
    studentId: b.student.userId,
    tutorId: b.tutor.userId,
    cancelledBy: by === 'student' ? b.student.userId : b.tutor.userId,
    cancelledByRole: by,
    reason: null,
    refundBasisPoints,
    previousStatus: 'confirmed',
    startsAt: b.startsAt.toISOString(),
  });
}

describe('paid → held → scheduled → released', () => {
  it('holds a verified payment, schedules the release at session end + delay, and pays the tutor less 15 %', async () => {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t, price: { amountMinor: 150001, currency: 'ETB' } });
    const cashBefore = await balance(h, 'platform_cash', null);
    const revenueBefore = await balance(h, 'platform_revenue', null);

    const p = await payFor(h, b);
    expect(p.status).toBe('initiated');
    expect(p.checkoutUrl).toContain(`/checkout/${p.txRef}`);

    let view = await paymentView(h, b.bookingId, b.student);
    expect(view.payment).toMatchObject({ id: p.paymentId, status: 'succeeded', amount: { amountMinor: 150001, currency: 'ETB' } });
    expect(view.escrow).toMatchObject({ status: 'held', amount: { amountMinor: 150001, currency: 'ETB' }, releaseScheduledFor: null });
    expect(await balance(h, 'escrow', b.bookingId)).toBe(150001);
    expect(await balance(h, 'platform_cash', null)).toBe(cashBefore + 150001);
    expect(await wallet(h, t)).toMatchObject({
      available: { amountMinor: 0, currency: 'ETB' },
      pendingEscrow: { amountMinor: 150001, currency: 'ETB' },
      lifetimeEarnings: { amountMinor: 0, currency: 'ETB' },
    });

    await endSession(b);
    view = await paymentView(h, b.bookingId, b.tutor);
    const releaseAt = new Date(b.endsAt.getTime() + 24 * HOUR);
    expect(view.escrow).toMatchObject({ status: 'release_scheduled', releaseScheduledFor: releaseAt.toISOString() });

    // Not due yet: the job leaves it alone.
    h.clock.set(new Date(releaseAt.getTime() - 1000));
    await jobs(h).release();
    expect((await paymentView(h, b.bookingId, b.tutor)).escrow?.status).toBe('release_scheduled');

    h.clock.set(releaseAt);
    expect(await jobs(h).release()).toBeGreaterThanOrEqual(1);
    view = await paymentView(h, b.bookingId, b.tutor);
    // 15 % of 150001 = 22500.15 → the fee is rounded down, the tutor keeps the fraction.
    expect(view.escrow).toMatchObject({
      status: 'released',
      releasedAt: releaseAt.toISOString(),
      tutorAmount: { amountMinor: 127501, currency: 'ETB' },
      platformFee: { amountMinor: 22500, currency: 'ETB' },
      refundAmount: { amountMinor: 0, currency: 'ETB' },
    });
    expect(await balance(h, 'escrow', b.bookingId)).toBe(0);
    expect(await balance(h, 'platform_revenue', null)).toBe(revenueBefore + 22500);
    const w = await wallet(h, t);
    expect(w).toMatchObject({
      available: { amountMinor: 127501, currency: 'ETB' },
      pendingEscrow: { amountMinor: 0, currency: 'ETB' },
      lifetimeEarnings: { amountMinor: 127501, currency: 'ETB' },
    });
    expect(w.history).toEqual([
      expect.objectContaining({ type: 'escrow_released', direction: 'credit', amount: { amountMinor: 127501, currency: 'ETB' }, bookingId: b.bookingId }),
    ]);

    // A second run releases nothing twice.
    await jobs(h).release();
    expect((await wallet(h, t)).available.amountMinor).toBe(127501);
    const postings = (await h.ds.query(`SELECT kind FROM payments.ledger_transactions WHERE booking_id = $1 ORDER BY created_at`, [b.bookingId])) as Array<{ kind: string }>;
    expect(postings.map((x) => x.kind)).toEqual(['payment_captured', 'escrow_released']);
    const events = (await h.ds.query(`SELECT type FROM payments.outbox WHERE envelope->'data'->>'bookingId' = $1 ORDER BY seq`, [b.bookingId])) as Array<{ type: string }>;
    expect(events.map((e) => e.type)).toEqual([
      'payments.payment.initiated.v1',
      'payments.escrow.held.v1',
      'payments.payment.succeeded.v1',
      'payments.escrow.release_scheduled.v1',
      'payments.escrow.released.v1',
    ]);
  });

  it('releases at once on an admin request, and refuses a second settlement', async () => {
    const b = await acceptedBooking(h);
    await payFor(h, b);
    const a = admin();
    const view = await h.rpc.call<{ escrow: { status: string; tutorAmount: { amountMinor: number } } }>(
      'payments',
      'payments.admin.release',
      { bookingId: b.bookingId },
      { actor: a },
    );
    expect(view.escrow).toMatchObject({ status: 'released', tutorAmount: { amountMinor: 127500 } });
    await expect(h.rpc.call('payments', 'payments.admin.release', { bookingId: b.bookingId }, { actor: a })).rejects.toMatchObject({
      status: 409,
      code: 'escrow.invalid_transition',
    });
    await expect(h.rpc.call('payments', 'payments.admin.refund', { bookingId: b.bookingId }, { actor: a })).rejects.toMatchObject({
      status: 409,
    });
    await expect(h.rpc.call('payments', 'payments.admin.release', { bookingId: b.bookingId }, { actor: b.student })).rejects.toMatchObject({
      status: 403,
    });
  });
});

describe('initiation rules', () => {
  it('returns the live payment on a second call, and only to the booking\'s student', async () => {
    const b = await acceptedBooking(h);
    // A double tap: both calls get the same checkout, and a later call too.
    const [first, second] = await Promise.all([initiate(h, b), initiate(h, b)]);
    expect(second).toEqual(first);
    expect(await initiate(h, b)).toEqual(first);
    const count = (await h.ds.query(`SELECT count(*)::int AS n FROM payments.payments WHERE booking_id = $1`, [b.bookingId])) as Array<{ n: number }>;
    expect(count[0].n).toBe(1);

    await expect(initiate(h, b, student())).rejects.toMatchObject({ status: 404, code: 'booking.not_found' });
    await expect(initiate(h, b, b.tutor)).rejects.toMatchObject({ status: 403 });
    await expect(paymentView(h, b.bookingId, student())).rejects.toMatchObject({ status: 404 });
    await expect(paymentView(h, b.bookingId, tutor())).rejects.toMatchObject({ status: 404 });
    await expect(paymentView(h, b.bookingId, admin())).resolves.toMatchObject({ payment: { status: 'initiated' }, escrow: null });
    // The amount crossed to Chapa as a decimal string only at the boundary.
    expect(sandboxStore(h).findTransaction(first.txRef)).toMatchObject({ amountMinor: 150000, currency: 'ETB' });
  });

  it('refuses to open a checkout after the lesson starts, or for a booking that is no longer payable', async () => {
    const late = await acceptedBooking(h, { startsInHours: 1 });
    h.clock.advance(HOUR);
    await expect(initiate(h, late)).rejects.toMatchObject({ status: 409, code: 'booking.payment_window_closed' });
    const gone = await acceptedBooking(h);
    await cancel(gone, 10000);
    await expect(initiate(h, gone)).rejects.toMatchObject({ status: 409, code: 'booking.not_payable' });
  });
});

describe('cancellation refunds (DESIGN §3 tiers)', () => {
  it.each([
    ['student ≥ 24 h ahead: everything back', 10000, 'student' as const, { refund: 150000, tutor: 0, fee: 0, status: 'refunded' }],
    ['student 2–24 h ahead: half back, half to the tutor less the fee', 5000, 'student' as const, { refund: 75000, tutor: 63750, fee: 11250, status: 'refunded' }],
    ['student < 2 h ahead: nothing back, all to the tutor less the fee', 0, 'student' as const, { refund: 0, tutor: 127500, fee: 22500, status: 'released' }],
    ['tutor cancels: everything back', 10000, 'tutor' as const, { refund: 150000, tutor: 0, fee: 0, status: 'refunded' }],
  ])('%s', async (_name, bps, by, expected) => {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t });
    const p = await payFor(h, b);
    await cancel(b, bps, by);
    const view = await paymentView(h, b.bookingId, b.student);
    expect(view.escrow).toMatchObject({
      status: expected.status,
      refundAmount: { amountMinor: expected.refund },
      tutorAmount: { amountMinor: expected.tutor },
      platformFee: { amountMinor: expected.fee },
    });
    expect((await wallet(h, t)).available.amountMinor).toBe(expected.tutor);
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(expected.refund);
    if (expected.refund > 0) {
      expect(view.escrow?.refunds).toEqual([expect.objectContaining({ status: 'pending', amount: { amountMinor: expected.refund, currency: 'ETB' } })]);
      await jobs(h).refunds();
      // Chapa refunded it; the money left platform cash and nothing is owed any more.
      expect(sandboxStore(h).findTransaction(p.txRef)).toMatchObject({ refundedMinor: expected.refund });
      expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(0);
      expect((await paymentView(h, b.bookingId, b.student)).escrow?.refunds).toEqual([expect.objectContaining({ status: 'succeeded' })]);
      expect((await paymentView(h, b.bookingId, b.student)).payment?.status).toBe(bps === 10000 ? 'refunded' : 'succeeded');
    } else {
      expect(view.escrow?.refunds).toEqual([]);
    }
    // Replaying the cancellation (a new event id with the same facts) changes nothing.
    await cancel(b, bps, by);
    expect((await wallet(h, t)).available.amountMinor).toBe(expected.tutor);
  });

  it('retries a refund Chapa refused, and settles it once Chapa accepts', async () => {
    const b = await acceptedBooking(h);
    const p = await payFor(h, b);
    const tx = sandboxStore(h).findTransaction(p.txRef);
    if (!tx) throw new Error('sandbox lost the transaction');
    tx.status = 'pending'; // Chapa will refuse to refund it for now
    await cancel(b, 10000);
    await jobs(h).refunds();
    let refunds = (await paymentView(h, b.bookingId, b.student)).escrow?.refunds;
    expect(refunds).toEqual([expect.objectContaining({ status: 'pending' })]);
    const [row] = (await h.ds.query(`SELECT attempts, last_error FROM payments.refunds WHERE booking_id = $1`, [b.bookingId])) as Array<{ attempts: number; last_error: string }>;
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/successful transaction/);
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(150000);
    // Not retried before its backoff has passed.
    await jobs(h).refunds();
    expect(((await h.ds.query(`SELECT attempts FROM payments.refunds WHERE booking_id = $1`, [b.bookingId])) as Array<{ attempts: number }>)[0].attempts).toBe(1);
    tx.status = 'success';
    h.clock.advance(HOUR);
    await jobs(h).refunds();
    refunds = (await paymentView(h, b.bookingId, b.student)).escrow?.refunds;
    expect(refunds).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(0);
    expect(tx.refundedMinor).toBe(150000);
  });

  it('refunds automatically, in full, a payment that succeeds after the booking was cancelled', async () => {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t });
    const p = await initiate(h, b);
    await cancel(b, 10000);
    const res = await fetch(`${h.sandboxUrl}/checkout/${p.txRef}/pay`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    const view = await paymentView(h, b.bookingId, b.student);
    expect(view.payment?.status).toBe('refunded');
    expect(view.escrow).toMatchObject({ status: 'refunded', refundAmount: { amountMinor: 150000 }, tutorAmount: { amountMinor: 0 } });
    await jobs(h).refunds();
    expect(sandboxStore(h).findTransaction(p.txRef)).toMatchObject({ status: 'refunded' });
    expect((await wallet(h, t)).pendingEscrow.amountMinor).toBe(0);
    const events = (await h.ds.query(`SELECT type FROM payments.outbox WHERE envelope->'data'->>'bookingId' = $1 ORDER BY seq`, [b.bookingId])) as Array<{ type: string }>;
    expect(events.map((e) => e.type)).not.toContain('payments.escrow.held.v1');
    expect(events.map((e) => e.type)).toContain('payments.escrow.refunded.v1');
  });
});

describe('attendance (DESIGN §4)', () => {
  it('refunds in full when the tutor never joined', async () => {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t });
    await payFor(h, b);
    await endSession(b, { tutorJoined: false });
    const view = await paymentView(h, b.bookingId, b.student);
    expect(view.escrow).toMatchObject({ status: 'refunded', refundAmount: { amountMinor: 150000 } });
    expect(view.payment?.status).toBe('refunded');
    expect((await wallet(h, t)).available.amountMinor).toBe(0);
  });

  it('pays the tutor when only the student was absent', async () => {
    const b = await acceptedBooking(h);
    await payFor(h, b);
    await endSession(b, { studentJoined: false });
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('release_scheduled');
  });

  it('refunds on a both-absent no-show, and ignores a session.ended that comes after', async () => {
    const b = await acceptedBooking(h);
    await payFor(h, b);
    await publish(h, 'bookings.booking.no_show.v1', { bookingId: b.bookingId, studentId: b.student.userId, tutorId: b.tutor.userId, absentParty: 'both' });
    expect((await paymentView(h, b.bookingId, b.student)).escrow).toMatchObject({ status: 'refunded', refundAmount: { amountMinor: 150000 } });
    await endSession(b);
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('refunded');
  });
});

describe('disputes', () => {
  async function disputed(): Promise<{ b: TestBooking; disputeId: string }> {
    const b = await acceptedBooking(h);
    await payFor(h, b);
    await endSession(b);
    const disputeId = randomUUID();
    await publish(h, 'bookings.dispute.opened.v1', {
      disputeId,
      bookingId: b.bookingId,
      studentId: b.student.userId,
      tutorId: b.tutor.userId,
      reason: 'The tutor left after ten minutes',
    });
    return { b, disputeId };
  }

  async function resolve(b: TestBooking, disputeId: string, outcome: 'release' | 'refund' | 'split', refundBasisPoints: number) {
    await publish(h, 'bookings.dispute.resolved.v1', {
      disputeId,
      bookingId: b.bookingId,
      studentId: b.student.userId,
      tutorId: b.tutor.userId,
      outcome,
      refundBasisPoints,
      resolvedBy: randomUUID(),
    });
  }

  it('freezes the release: the due job skips a frozen escrow', async () => {
    const { b } = await disputed();
    const view = await paymentView(h, b.bookingId, b.student);
    expect(view.escrow?.status).toBe('frozen');
    h.clock.advance(72 * HOUR);
    await jobs(h).release();
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('frozen');
  });

  it.each([
    ['release', 0, { status: 'released', refund: 0, tutor: 127500, fee: 22500 }],
    ['refund', 10000, { status: 'refunded', refund: 150000, tutor: 0, fee: 0 }],
    ['split', 3000, { status: 'refunded', refund: 45000, tutor: 89250, fee: 15750 }],
  ] as const)('resolves with %s', async (outcome, bps, expected) => {
    const { b, disputeId } = await disputed();
    await resolve(b, disputeId, outcome, bps);
    const view = await paymentView(h, b.bookingId, b.student);
    expect(view.escrow).toMatchObject({
      status: expected.status,
      refundAmount: { amountMinor: expected.refund },
      tutorAmount: { amountMinor: expected.tutor },
      platformFee: { amountMinor: expected.fee },
    });
    expect((await wallet(h, b.tutor)).available.amountMinor).toBe(expected.tutor);
    // A second resolution is recorded and ignored.
    await resolve(b, disputeId, 'refund', 10000);
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe(expected.status);
    expect((await wallet(h, b.tutor)).available.amountMinor).toBe(expected.tutor);
  });

  it('records and ignores a dispute opened after the escrow was released', async () => {
    const b = await acceptedBooking(h);
    await payFor(h, b);
    await h.rpc.call('payments', 'payments.admin.release', { bookingId: b.bookingId }, { actor: admin() });
    await publish(h, 'bookings.dispute.opened.v1', {
      disputeId: randomUUID(),
      bookingId: b.bookingId,
      studentId: b.student.userId,
      tutorId: b.tutor.userId,
      reason: 'Too late',
    });
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('released');
    const audit = (await h.ds.query(`SELECT action, outcome, from_status FROM payments.escrow_audit WHERE booking_id = $1 AND action = 'freeze'`, [
      b.bookingId,
    ])) as unknown[];
    expect(audit).toEqual([{ action: 'freeze', outcome: 'ignored', from_status: 'released' }]);
  });
});

describe('admin', () => {
  it('reports escrow stats per status and currency, including what is due now', async () => {
    const a = admin();
    const before = await h.rpc.call<Record<string, Record<string, { count: number; amountMinor: number }>>>('payments', 'payments.admin.escrow_stats', {}, { actor: a });
    const usd = await acceptedBooking(h, { price: { amountMinor: 2500, currency: 'USD' } });
    await payFor(h, usd);
    await endSession(usd);
    h.clock.set(new Date(usd.endsAt.getTime() + 25 * HOUR));
    const after = await h.rpc.call<Record<string, Record<string, { count: number; amountMinor: number }>>>('payments', 'payments.admin.escrow_stats', {}, { actor: a });
    expect(after.releaseScheduled.USD.count).toBe(before.releaseScheduled.USD.count + 1);
    expect(after.releaseScheduled.USD.amountMinor).toBe(before.releaseScheduled.USD.amountMinor + 2500);
    expect(after.dueNow.USD.count).toBeGreaterThanOrEqual(1);
    expect(after.held.ETB).toEqual(before.held.ETB);
    await expect(h.rpc.call('payments', 'payments.admin.escrow_stats', {}, { actor: usd.tutor })).rejects.toMatchObject({ status: 403 });
    // A tutor paid in USD sees the USD wallet by default.
    await jobs(h).release();
    const w = await wallet(h, usd.tutor);
    expect(w.available).toEqual({ amountMinor: 2125, currency: 'USD' });
    expect(w.balances.map((x) => x.currency)).toEqual(['USD']);
  });
});
