import { randomUUID } from 'node:crypto';
import {
  acceptedBooking,
  admin,
  balance,
  harnessPerFile,
  initiate,
  jobs,
  payFor,
  paymentView,
  publish,
  sandboxStore,
  sessionEnded,
  tutor,
  wallet,
  type Harness,
  type TestBooking,
} from './harness';

const HOUR = 3_600_000;
jest.setTimeout(60_000);

let h: Harness;

harnessPerFile((started) => (h = started));

/**
 * Bookings' cancellation event. `refundBasisPoints` is bookings' quote only: payments decides from
 * the facts (who, the status the student saw, when, the start), so `quote` may differ on purpose.
 */
async function cancel(
  b: TestBooking,
  o: { hoursAhead?: number; by?: 'student' | 'tutor'; previousStatus?: 'accepted' | 'confirmed'; quote?: number; via?: 'request' | 'session' } = {},
) {
  const by = o.by ?? 'student';
  const cancelledAt = new Date(b.startsAt.getTime() - (o.hoursAhead ?? 48) * HOUR);
  await publish(h, 'bookings.booking.cancelled.v1', {
    bookingId: b.bookingId,
    studentId: b.student.userId,
    tutorId: b.tutor.userId,
    cancelledBy: by === 'student' ? b.student.userId : b.tutor.userId,
    cancelledByRole: by,
    reason: null,
    refundBasisPoints: o.quote ?? 10000,
    previousStatus: o.previousStatus ?? 'confirmed',
    startsAt: b.startsAt.toISOString(),
    cancelledAt: cancelledAt.toISOString(),
    via: o.via ?? 'request',
  });
}

describe('cancellation refunds (docs/design.md §3 tiers, decided by payments from the facts)', () => {
  it.each([
    ['student ≥ 24 h ahead: everything back', 48, 'student' as const, { refund: 150000, tutor: 0, fee: 0, status: 'refunded' }],
    ['student 2–24 h ahead: half back, half to the tutor less the fee', 10, 'student' as const, { refund: 75000, tutor: 63750, fee: 11250, status: 'refunded' }],
    ['student < 2 h ahead: nothing back, all to the tutor less the fee', 1, 'student' as const, { refund: 0, tutor: 127500, fee: 22500, status: 'released' }],
    ['tutor cancels: everything back', 1, 'tutor' as const, { refund: 150000, tutor: 0, fee: 0, status: 'refunded' }],
  ])('%s', async (_name, hoursAhead, by, expected) => {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t });
    const p = await payFor(h, b);
    // Bookings' quote is deliberately wrong here: the money follows the facts, not the quote.
    await cancel(b, { hoursAhead, by, quote: 10000 - (expected.refund * 10000) / 150000 });
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
      expect((await paymentView(h, b.bookingId, b.student)).payment?.status).toBe(expected.refund === 150000 ? 'refunded' : 'succeeded');
    } else {
      expect(view.escrow?.refunds).toEqual([]);
    }
    // Replaying the cancellation (a new event id with the same facts) changes nothing.
    await cancel(b, { hoursAhead, by });
    expect((await wallet(h, t)).available.amountMinor).toBe(expected.tutor);
  });

  // Issue 13, defect 1: the student paid and payments holds the escrow, but bookings still said
  // `accepted` (escrow.held on its way). The student cancels 1 h before the start; bookings'
  // tier would have been 0 % and the tutor paid 85 %. The student never saw it confirmed: all back.
  it('refunds in full a cancellation of a booking the student had not seen confirmed, whatever the tier', async () => {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t });
    await payFor(h, b);
    await cancel(b, { hoursAhead: 1, previousStatus: 'accepted', quote: 0 });
    const view = await paymentView(h, b.bookingId, b.student);
    expect(view.escrow).toMatchObject({ status: 'refunded', refundAmount: { amountMinor: 150000 }, tutorAmount: { amountMinor: 0 } });
    expect((await wallet(h, t)).available.amountMinor).toBe(0);
    const [audit] = (await h.ds.query(`SELECT detail FROM payments.escrow_audit WHERE booking_id = $1 AND action = 'refund'`, [b.bookingId])) as Array<{
      detail: { refundBps: number };
    }>;
    expect(audit.detail.refundBps).toBe(10000);
  });

  // Issue 13, defect 4: the cancellation raced session.started; the lesson took place and the
  // session scheduled the release. A late cancellation must not refund it.
  it('ignores a cancellation that reaches an escrow the session already decided', async () => {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t });
    await payFor(h, b);
    await sessionEnded(h, b);
    await cancel(b, { hoursAhead: 0.01, by: 'tutor' });
    expect((await paymentView(h, b.bookingId, b.student)).escrow).toMatchObject({ status: 'release_scheduled', refundAmount: null });
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(0);
  });

  it('retries a refund Chapa refused, and settles it once Chapa accepts', async () => {
    const b = await acceptedBooking(h);
    const p = await payFor(h, b);
    const tx = sandboxStore(h).findTransaction(p.txRef);
    if (!tx) throw new Error('sandbox lost the transaction');
    tx.status = 'pending'; // Chapa will refuse to refund it for now
    await cancel(b);
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
    await cancel(b, { previousStatus: 'accepted' });
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

describe('attendance (docs/design.md §4)', () => {
  it('refunds in full when the tutor never joined', async () => {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t });
    await payFor(h, b);
    await sessionEnded(h, b, { tutorJoined: false });
    const view = await paymentView(h, b.bookingId, b.student);
    expect(view.escrow).toMatchObject({ status: 'refunded', refundAmount: { amountMinor: 150000 } });
    expect(view.payment?.status).toBe('refunded');
    expect((await wallet(h, t)).available.amountMinor).toBe(0);
  });

  it('pays the tutor when only the student was absent', async () => {
    const b = await acceptedBooking(h);
    await payFor(h, b);
    await sessionEnded(h, b, { studentJoined: false });
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('release_scheduled');
  });

  // Issue 13, defect 2: one participant ends the session before the other joined, in the start
  // window. The tutor doing so has cancelled (all back); the student, late (the < 2 h tier: 0 %).
  it.each([
    ['tutor', { status: 'refunded', refund: 150000, tutor: 0 }],
    ['student', { status: 'released', refund: 0, tutor: 127500 }],
  ] as const)('decides an abandoned session (ended by the %s before the other joined) as a cancellation', async (by, expected) => {
    const t = tutor();
    const b = await acceptedBooking(h, { tutor: t });
    await payFor(h, b);
    const startedAt = new Date(b.startsAt.getTime() - 5 * 60_000);
    const endedAt = new Date(startedAt.getTime() + 5000);
    const ended = {
      sessionId: randomUUID(),
      bookingId: b.bookingId,
      studentId: b.student.userId,
      tutorId: b.tutor.userId,
      endedBy: by === 'tutor' ? b.tutor.userId : b.student.userId,
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationSeconds: 5,
      scheduledDurationSeconds: 3600,
      attendance: { studentJoinedAt: by === 'student' ? startedAt.toISOString() : null, tutorJoinedAt: by === 'tutor' ? startedAt.toISOString() : null },
      absentParty: null,
      abandonedBy: by,
      scheduledStartsAt: b.startsAt.toISOString(),
    };
    // Bookings' cancellation (via the session) may arrive first, and twice: it decides nothing.
    await cancel(b, { by, hoursAhead: 0.08, via: 'session', quote: by === 'tutor' ? 10000 : 0 });
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('held');
    await publish(h, 'sessions.session.ended.v1', ended);
    await publish(h, 'sessions.session.ended.v1', ended);
    await cancel(b, { by, hoursAhead: 0.08, via: 'session' });
    const view = await paymentView(h, b.bookingId, b.student);
    expect(view.escrow).toMatchObject({ status: expected.status, refundAmount: { amountMinor: expected.refund }, tutorAmount: { amountMinor: expected.tutor } });
    expect((await wallet(h, t)).available.amountMinor).toBe(expected.tutor);
  });

  it('refunds on a both-absent no-show, and ignores a session.ended that comes after', async () => {
    const b = await acceptedBooking(h);
    await payFor(h, b);
    await publish(h, 'bookings.booking.no_show.v1', { bookingId: b.bookingId, studentId: b.student.userId, tutorId: b.tutor.userId, absentParty: 'both' });
    expect((await paymentView(h, b.bookingId, b.student)).escrow).toMatchObject({ status: 'refunded', refundAmount: { amountMinor: 150000 } });
    await sessionEnded(h, b);
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('refunded');
  });
});

describe('disputes', () => {
  async function disputed(): Promise<{ b: TestBooking; disputeId: string }> {
    const b = await acceptedBooking(h);
    await payFor(h, b);
    await sessionEnded(h, b);
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

  it('tells bookings that the escrow is frozen, once', async () => {
    const { b, disputeId } = await disputed();
    await publish(h, 'bookings.dispute.opened.v1', { disputeId, bookingId: b.bookingId, studentId: b.student.userId, tutorId: b.tutor.userId, reason: 'again' });
    const frozen = (await h.ds.query(`SELECT envelope FROM payments.outbox WHERE type = 'payments.escrow.frozen.v1' AND envelope->'data'->>'bookingId' = $1`, [
      b.bookingId,
    ])) as Array<{ envelope: { data: { disputeId: string; amount: { amountMinor: number } } } }>;
    expect(frozen.map((r) => r.envelope.data)).toEqual([expect.objectContaining({ disputeId, amount: { amountMinor: 150000, currency: 'ETB' } })]);
  });

  // Issue 13, defect 3: a resolution must never move money from an escrow its dispute did not freeze.
  it('never settles from a resolution that reaches an escrow its dispute did not freeze', async () => {
    const b = await acceptedBooking(h);
    await payFor(h, b);
    await sessionEnded(h, b);
    await resolve(b, randomUUID(), 'refund', 10000);
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('release_scheduled');
    expect(await balance(h, 'refunds_payable', b.bookingId)).toBe(0);
  });

  it('refuses an admin release or refund of a frozen escrow: the dispute decides', async () => {
    const { b } = await disputed();
    for (const pattern of ['payments.admin.release', 'payments.admin.refund']) {
      await expect(h.rpc.call('payments', pattern, { bookingId: b.bookingId }, { actor: admin() })).rejects.toMatchObject({
        problem: expect.objectContaining({ status: 409, code: 'escrow.frozen_by_dispute' }),
      });
    }
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('frozen');
  });

  it('records a dispute opened after the escrow was released, and tells bookings the freeze came too late', async () => {
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
    const rejected = (await h.ds.query(
      `SELECT envelope FROM payments.outbox WHERE type = 'payments.escrow.freeze_rejected.v1' AND envelope->'data'->>'bookingId' = $1`,
      [b.bookingId],
    )) as Array<{ envelope: { data: Record<string, unknown> } }>;
    expect(rejected.map((r) => r.envelope.data)).toEqual([expect.objectContaining({ escrowStatus: 'released', reason: 'already_released' })]);
  });
});

describe('admin', () => {
  it('reports escrow stats per status and currency, including what is due now', async () => {
    const a = admin();
    const before = await h.rpc.call<Record<string, Record<string, { count: number; amountMinor: number }>>>('payments', 'payments.admin.escrow_stats', {}, { actor: a });
    const usd = await acceptedBooking(h, { price: { amountMinor: 2500, currency: 'USD' } });
    await payFor(h, usd);
    await sessionEnded(h, usd);
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
