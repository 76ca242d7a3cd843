import { BOOKINGS_RPC } from '@tutorhub/contracts';
import { ExpireProposalsJob } from '../src/expire-reschedule-proposals/expire-reschedule-proposals.job';
import {
  HOUR,
  T0,
  admin,
  bookingInput,
  call,
  confirmedBooking,
  outboxEvents,
  refusal,
  requestedBooking,
  startBookings,
  student,
  type Harness,
} from './support/bookings-harness';

/**
 * Reschedule (issue 16, docs/design.md §3) against the real service, Postgres and RabbitMQ: propose,
 * accept, decline, expiry, the database deciding a race for one slot, and the events the other
 * services follow (with the slot sequence that orders them).
 */
describe('bookings: reschedule', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startBookings();
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => h.clock.set(T0));

  const at = (hoursFromT0: number) => new Date(T0.getTime() + hoursFromT0 * HOUR).toISOString();

  it('moves a confirmed lesson when the other participant accepts, and tells the others with the slot sequence', async () => {
    const { tutor: t, student: s, booking } = await confirmedBooking(h);
    const proposed = await call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(72) }, t);
    expect(proposed.proposal).toMatchObject({ bookingId: booking.id, proposedBy: t.userId, startsAt: at(72), endsAt: at(73), status: 'proposed' });
    // Open 24 h at most.
    expect(proposed.proposal.expiresAt).toBe(at(24));
    expect(proposed.booking.startsAt).toBe(booking.startsAt);

    // The proposer cannot accept their own proposal.
    expect(await refusal(call(h, BOOKINGS_RPC.rescheduleAccept, { bookingId: booking.id }, t))).toMatchObject({ status: 403, code: 'reschedule.not_yours' });
    const accepted = await call(h, BOOKINGS_RPC.rescheduleAccept, { bookingId: booking.id }, s);
    expect(accepted.proposal).toMatchObject({ status: 'accepted' });
    expect(accepted.booking).toMatchObject({ status: 'confirmed', startsAt: at(72), endsAt: at(73), paymentDeadline: at(72), moneyStatus: 'held' });
    expect(await refusal(call(h, BOOKINGS_RPC.rescheduleAccept, { bookingId: booking.id }, s))).toMatchObject({ status: 409, code: 'reschedule.not_open' });

    const events = await outboxEvents(h, booking.id);
    expect(events.map((e) => e.type).filter((t) => t.includes('reschedul'))).toEqual(['bookings.reschedule.proposed.v1', 'bookings.booking.rescheduled.v1']);
    expect(events.find((e) => e.type === 'bookings.booking.rescheduled.v1')!.data).toEqual({
      bookingId: booking.id,
      studentId: s.userId,
      tutorId: t.userId,
      subject: booking.subject,
      previousStartsAt: booking.startsAt,
      previousEndsAt: booking.endsAt,
      startsAt: at(72),
      endsAt: at(73),
      rescheduledBy: t.userId,
      status: 'confirmed',
      slotSequence: 1,
    });

    // A second move: the sequence goes on, and a new proposal replaces an open one.
    const first = await call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(96) }, s);
    const second = await call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(100) }, s);
    const [oldOne] = (await h.ds.query(`SELECT status FROM bookings.reschedule_proposals WHERE id = $1`, [first.proposal.id])) as Array<{ status: string }>;
    expect(oldOne.status).toBe('superseded');
    await call(h, BOOKINGS_RPC.rescheduleAccept, { bookingId: booking.id }, t);
    const moved = (await outboxEvents(h, booking.id)).filter((e) => e.type === 'bookings.booking.rescheduled.v1').at(-1)!;
    expect(moved.data).toMatchObject({ startsAt: second.proposal.startsAt, slotSequence: 2, rescheduledBy: s.userId, previousStartsAt: at(72) });
  });

  it('a requested booking moves with its deadlines; a declined proposal changes nothing', async () => {
    const { tutor: t, student: s, booking } = await requestedBooking(h);
    await call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(30) }, t);
    const declined = await call(h, BOOKINGS_RPC.rescheduleDecline, { bookingId: booking.id }, s);
    expect(declined.proposal.status).toBe('declined');
    expect(declined.booking.startsAt).toBe(booking.startsAt);
    expect((await outboxEvents(h, booking.id)).map((e) => e.type)).toContain('bookings.reschedule.declined.v1');

    await call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(30) }, s);
    const moved = await call(h, BOOKINGS_RPC.rescheduleAccept, { bookingId: booking.id }, t);
    expect(moved.booking).toMatchObject({ status: 'requested', startsAt: at(30), acceptDeadline: at(29), paymentDeadline: at(30) });
  });

  it('lets exactly one of two bookings take the same new slot: the database decides', async () => {
    const a = await confirmedBooking(h, { startsAt: at(50) });
    // The same tutor's second booking, another student.
    const other = student();
    const second = await call(h, BOOKINGS_RPC.create, bookingInput(a.tutor.userId, { startsAt: at(52) }), other);
    await call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: a.booking.id, startsAt: at(60) }, a.student);
    await call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: second.id, startsAt: at(60) }, other);
    const results = await Promise.allSettled([
      call(h, BOOKINGS_RPC.rescheduleAccept, { bookingId: a.booking.id }, a.tutor),
      call(h, BOOKINGS_RPC.rescheduleAccept, { bookingId: second.id }, a.tutor),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(lost.reason).toMatchObject({ problem: expect.objectContaining({ status: 409, code: 'booking.slot_taken' }) });
    const starts = (await h.ds.query(`SELECT starts_at FROM bookings.bookings WHERE id = ANY($1) ORDER BY starts_at`, [[a.booking.id, second.id]])) as Array<{
      starts_at: Date;
    }>;
    expect(starts.filter((r) => r.starts_at.toISOString() === at(60))).toHaveLength(1);
  });

  it('refuses what cannot be moved, too late, the same time, outsiders and admins', async () => {
    const { tutor: t, student: s, booking } = await confirmedBooking(h);
    expect(await refusal(call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: booking.startsAt }, s))).toMatchObject({
      status: 422,
      code: 'reschedule.same_time',
    });
    expect(await refusal(call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(72) }, student()))).toMatchObject({ status: 404 });
    expect(await refusal(call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(72) }, admin()))).toMatchObject({ status: 403 });
    expect(await refusal(call(h, BOOKINGS_RPC.rescheduleDecline, { bookingId: booking.id }, t))).toMatchObject({ status: 404, code: 'reschedule.not_found' });
    expect(await refusal(call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: 'tomorrow' }, s))).toMatchObject({ status: 400 });
    // Within RESCHEDULE_MIN_NOTICE_HOURS (2) of the current start.
    h.clock.set(new Date(Date.parse(booking.startsAt) - 2 * HOUR + 1));
    expect(await refusal(call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(96) }, s))).toMatchObject({
      status: 409,
      code: 'reschedule.too_late',
    });
    h.clock.set(T0);
    // A cancelled lesson stays cancelled.
    await call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, t);
    expect(await refusal(call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(96) }, s))).toMatchObject({
      status: 409,
      code: 'reschedule.not_allowed',
    });
  });

  it('expires an unanswered proposal: the booking stays, both are told, and it can no longer be accepted', async () => {
    const { tutor: t, student: s, booking } = await confirmedBooking(h);
    const { proposal } = await call(h, BOOKINGS_RPC.reschedulePropose, { bookingId: booking.id, startsAt: at(80) }, s);
    const job = h.svc.app.get(ExpireProposalsJob);
    const state = async () =>
      ((await h.ds.query(`SELECT status FROM bookings.reschedule_proposals WHERE id = $1`, [proposal.id])) as Array<{ status: string }>)[0].status;
    await job.runOnce();
    expect(await state()).toBe('proposed');
    h.clock.set(new Date(Date.parse(proposal.expiresAt)));
    expect(await refusal(call(h, BOOKINGS_RPC.rescheduleAccept, { bookingId: booking.id }, t))).toMatchObject({ status: 409, code: 'reschedule.expired' });
    // Both replicas' passes at once: the proposal expires once.
    await Promise.all([job.runOnce(), job.runOnce()]);
    expect(await state()).toBe('expired');
    expect(await refusal(call(h, BOOKINGS_RPC.rescheduleAccept, { bookingId: booking.id }, t))).toMatchObject({ status: 409, code: 'reschedule.not_open' });
    expect((await call(h, BOOKINGS_RPC.get, { bookingId: booking.id }, s)).startsAt).toBe(booking.startsAt);
    expect((await outboxEvents(h, booking.id)).filter((e) => e.type === 'bookings.reschedule.expired.v1')).toHaveLength(1);
  });
});
