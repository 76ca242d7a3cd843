import { BOOKINGS_RPC } from '@tutorhub/contracts';
import {
  HOUR,
  MINUTE,
  T0,
  admin,
  bookingInput,
  call,
  createTutor,
  expiryJob,
  outboxEvents,
  outboxTypes,
  requestedBooking,
  startBookings,
  student,
  type Harness,
} from './support/bookings-harness';

/** The expiry job, run by hand (jobs are off in tests) while a ManualClock moves time. */
describe('bookings: expiry job', () => {
  let h: Harness;

  beforeAll(async () => {
    // A non-default accept deadline, to see the configuration reach the rule.
    h = await startBookings({ BOOKING_ACCEPT_DEADLINE_MINUTES: '120', BOOKING_MIN_NOTICE_MINUTES: '30' });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => h.clock.set(T0));

  // Each test moves time forward from T0 and books later than every earlier test's bookings.
  let slot = 0;
  const nextStart = () => new Date(T0.getTime() + (24 + 10 * slot++) * HOUR);
  const get = (bookingId: string) => call(h, BOOKINGS_RPC.get, { bookingId }, admin());

  it('expires a request not accepted by startsAt − BOOKING_ACCEPT_DEADLINE_MINUTES (inclusive), once', async () => {
    const startsAt = nextStart();
    const { booking } = await requestedBooking(h, { startsAt: startsAt.toISOString() });
    expect(booking.acceptDeadline).toBe(new Date(startsAt.getTime() - 120 * MINUTE).toISOString());

    h.clock.set(booking.acceptDeadline);
    await expiryJob(h).runOnce();
    expect((await get(booking.id)).status).toBe('requested');

    h.clock.set(new Date(Date.parse(booking.acceptDeadline) + 1));
    expect(await expiryJob(h).runOnce()).toBeGreaterThanOrEqual(1);
    expect(await get(booking.id)).toMatchObject({ status: 'expired', expiryReason: 'not_accepted' });
    expect(await expiryJob(h).runOnce()).toBe(0);

    const events = await outboxEvents(h, booking.id);
    expect(events).toEqual([
      expect.objectContaining({ type: 'bookings.booking.requested.v1' }),
      {
        type: 'bookings.booking.expired.v1',
        data: { bookingId: booking.id, studentId: booking.studentId, tutorId: booking.tutorId, reason: 'not_accepted', previousStatus: 'requested' },
      },
    ]);
  });

  it('expires an accepted booking not paid by its start (inclusive), and frees the slot', async () => {
    const startsAt = nextStart();
    const { tutor: t, booking } = await requestedBooking(h, { startsAt: startsAt.toISOString() });
    await call(h, BOOKINGS_RPC.accept, { bookingId: booking.id }, t);

    h.clock.set(startsAt);
    await expiryJob(h).runOnce();
    expect((await get(booking.id)).status).toBe('accepted');

    h.clock.set(new Date(startsAt.getTime() + 1));
    await expiryJob(h).runOnce();
    expect(await get(booking.id)).toMatchObject({ status: 'expired', expiryReason: 'not_paid' });
    const last = (await outboxEvents(h, booking.id)).at(-1);
    expect(last).toEqual({
      type: 'bookings.booking.expired.v1',
      data: { bookingId: booking.id, studentId: booking.studentId, tutorId: booking.tutorId, reason: 'not_paid', previousStatus: 'accepted' },
    });
    // The tutor's time is free again for a new request (made in good time).
    h.clock.set(T0);
    const again = await call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: startsAt.toISOString() }), student());
    expect(again.status).toBe('requested');
  });

  it('leaves confirmed bookings alone, and an expired booking can no longer be accepted or cancelled', async () => {
    const startsAt = nextStart();
    const { tutor: t, student: s, booking } = await requestedBooking(h, { startsAt: startsAt.toISOString() });
    h.clock.set(new Date(startsAt.getTime() + HOUR));
    await expiryJob(h).runOnce();
    expect((await get(booking.id)).status).toBe('expired');
    for (const [pattern, actor] of [
      [BOOKINGS_RPC.accept, t],
      [BOOKINGS_RPC.cancel, s],
    ] as const) {
      const problem = await call(h, pattern, { bookingId: booking.id }, actor).catch((e) => e.problem);
      expect(problem).toMatchObject({ status: 409 });
    }
  });

  it('expires every due booking exactly once when several replicas run the job at the same moment', async () => {
    const startsAt = nextStart();
    const { actor: t } = await createTutor(h);
    const ids: string[] = [];
    // More than one batch (50) of due requests of one tutor, back to back.
    for (let i = 0; i < 60; i++) {
      const b = await call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: new Date(startsAt.getTime() + i * 15 * MINUTE).toISOString(), durationMinutes: 15 }), student());
      ids.push(b.id);
    }
    h.clock.set(new Date(startsAt.getTime() + 20 * HOUR));
    const job = expiryJob(h);
    const counts = await Promise.all([job.runOnce(), job.runOnce(), job.runOnce()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(60);
    const [{ expired }] = await h.ds.query(
      `SELECT count(*)::int AS expired FROM bookings.bookings WHERE id = ANY($1::uuid[]) AND status = 'expired'`,
      [ids],
    );
    expect(expired).toBe(60);
    const [{ events }] = await h.ds.query(
      `SELECT count(*)::int AS events FROM bookings.outbox WHERE type = 'bookings.booking.expired.v1' AND envelope->'data'->>'bookingId' = ANY($1::text[])`,
      [ids],
    );
    expect(events).toBe(60);
    for (const id of ids.slice(0, 3)) expect(await outboxTypes(h, id)).toEqual(['bookings.booking.requested.v1', 'bookings.booking.expired.v1']);
  });

  it('applies the configured notice: 30 minutes notice is not enough when the accept deadline is 120 minutes', async () => {
    const { actor: t } = await createTutor(h);
    const problem = await call(h, BOOKINGS_RPC.create, bookingInput(t.userId, { startsAt: new Date(T0.getTime() + 119 * MINUTE).toISOString() }), student()).catch(
      (e) => e.problem,
    );
    expect(problem).toMatchObject({ status: 422, code: 'booking.too_soon', details: { earliestStartsAt: new Date(T0.getTime() + 120 * MINUTE).toISOString() } });
  });
});
