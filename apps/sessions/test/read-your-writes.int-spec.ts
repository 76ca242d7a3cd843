import { SESSIONS_RPC, sessionStatusResponseSchema, type OwnerBooking, type SessionAccessResponse, type SessionStatusResponse } from '@tutorhub/contracts';
import { call, confirmedEvent, MINUTE, newBooking, publish, refusal, startSessions, studentActor, type SessionsHarness, type TestBooking } from './support';

/**
 * Read-your-writes (issue 13, ADR 0006): right after paying, the student asks for the session
 * status while `booking.confirmed` has not reached sessions yet. With the owner's booking (which
 * the gateway passes once sessions' copy missed), the status is a 200 whatever the booking's
 * state, and start waits for the confirmation instead of answering "no such session".
 */
describe('sessions: read-your-writes with the owner’s booking', () => {
  let h: SessionsHarness;

  beforeAll(async () => {
    h = await startSessions();
  });
  afterAll(async () => {
    await h?.svc.close();
  });

  const owner = (b: TestBooking, status: OwnerBooking['status']): OwnerBooking => ({
    status,
    studentId: b.student.userId,
    tutorId: b.tutor.userId,
    startsAt: b.startsAt.toISOString(),
    endsAt: b.endsAt.toISOString(),
  });
  const status = (b: TestBooking, o?: OwnerBooking, actor = b.student) =>
    call<SessionStatusResponse>(h, SESSIONS_RPC.status, { bookingId: b.bookingId, ...(o ? { owner: o } : {}) }, actor);

  it('answers the status of a booking it has not heard of from the owner’s facts: 200, canStart false, with the reason', async () => {
    const b = newBooking();
    // Without the owner: our copy has nothing (the gateway's cue to ask the owner).
    expect(await refusal(h, SESSIONS_RPC.status, { bookingId: b.bookingId }, b.student)).toMatchObject({ status: 404, code: 'session.not_found' });
    for (const [s, reason] of [
      ['requested', 'session.booking_not_confirmed'],
      ['accepted', 'session.booking_not_confirmed'],
      ['expired', 'session.booking_not_confirmed'],
      ['cancelled', 'session.booking_cancelled'],
    ] as const) {
      const st = sessionStatusResponseSchema.parse(await status(b, owner(b, s)));
      expect(st).toMatchObject({
        canStart: false,
        reason,
        session: null,
        canStartFrom: new Date(b.startsAt.getTime() - 5 * MINUTE).toISOString(),
        canStartUntil: new Date(b.startsAt.getTime() + 15 * MINUTE).toISOString(),
      });
    }
    // The owner's booking never lets an outsider in.
    expect(await refusal(h, SESSIONS_RPC.status, { bookingId: b.bookingId, owner: owner(b, 'accepted') }, studentActor())).toMatchObject({
      status: 404,
      code: 'session.not_found',
    });
  });

  it('waits for the confirmation of a confirmed booking, then answers from its own copy', async () => {
    const b = newBooking();
    h.clock.set(b.startsAt);
    try {
      const starting = call<SessionAccessResponse>(h, SESSIONS_RPC.start, { bookingId: b.bookingId, owner: owner(b, 'confirmed') }, b.tutor);
      await new Promise((r) => setTimeout(r, 300));
      await publish(h, confirmedEvent(b));
      const started = await starting;
      expect(started.session).toMatchObject({ bookingId: b.bookingId, status: 'active', startedBy: b.tutor.userId });
      expect(await status(b, owner(b, 'in_progress'))).toMatchObject({ canStart: true, session: { status: 'active' } });
    } finally {
      h.clock.set(new Date());
    }
  });

  it('answers 409 session.not_ready (a status: 200 with that reason) when the confirmation is still missing after the wait', async () => {
    const b = newBooking();
    expect(await refusal(h, SESSIONS_RPC.start, { bookingId: b.bookingId, owner: owner(b, 'confirmed') }, b.student)).toMatchObject({
      status: 409,
      code: 'session.not_ready',
      details: { retryAfterSeconds: 1 },
    });
    expect(await status(b, owner(b, 'confirmed'))).toMatchObject({ canStart: false, reason: 'session.not_ready', session: null });
  });
});
