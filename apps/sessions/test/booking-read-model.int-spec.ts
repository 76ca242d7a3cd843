import { SESSIONS_RPC, type SessionAccessResponse } from '@tutorhub/contracts';
import {
  call,
  cancelledEvent,
  confirmedEvent,
  deliver,
  ds,
  envelope,
  handled,
  newBooking,
  outboxFor,
  publish,
  refusal,
  startSessions,
  type SessionsHarness,
  type TestBooking,
} from './support';

describe('booking snapshots from bookings events (real RabbitMQ + Postgres)', () => {
  let h: SessionsHarness;

  beforeAll(async () => {
    h = await startSessions();
  });
  afterAll(async () => {
    await h?.svc.close();
  });

  async function snapshot(bookingId: string) {
    const rows: Array<{ status: string; starts_at: Date; ends_at: Date | null; student_id: string; tutor_id: string }> = await ds(h).query(
      `SELECT status, starts_at, ends_at, student_id, tutor_id FROM sessions.booking_snapshots WHERE booking_id = $1`,
      [bookingId],
    );
    return rows[0] ?? null;
  }
  const noShowEvent = (b: TestBooking) =>
    envelope('bookings.booking.no_show.v1', { bookingId: b.bookingId, studentId: b.student.userId, tutorId: b.tutor.userId, absentParty: 'both' });
  const completedEvent = (b: TestBooking) =>
    envelope('bookings.booking.completed.v1', { bookingId: b.bookingId, studentId: b.student.userId, tutorId: b.tutor.userId });

  it('keeps a confirmed booking with its participants and times', async () => {
    const b = newBooking();
    await deliver(h, confirmedEvent(b));
    expect(await snapshot(b.bookingId)).toEqual({
      status: 'confirmed',
      starts_at: b.startsAt,
      ends_at: b.endsAt,
      student_id: b.student.userId,
      tutor_id: b.tutor.userId,
    });
  });

  it('has no second effect for a duplicated event, and a redelivered confirmation never resurrects a cancellation', async () => {
    const b = newBooking();
    const confirmed = confirmedEvent(b);
    const cancelled = cancelledEvent(b);
    await deliver(h, confirmed, cancelled);
    // The very same confirmation again (a relay crash between confirm and commit), then a fresh
    // confirmation with a new id (a replay): the booking stays cancelled.
    const replay = confirmedEvent(b);
    await publish(h, confirmed, cancelled, replay);
    await handled(h, replay);
    const [inbox] = await ds(h).query(`SELECT count(*)::int AS n FROM sessions.inbox WHERE event_id = ANY($1::uuid[])`, [
      [confirmed.id, cancelled.id],
    ]);
    expect(inbox.n).toBe(2);
    expect(await snapshot(b.bookingId)).toMatchObject({ status: 'cancelled', ends_at: b.endsAt });
    h.clock.set(b.startsAt);
    expect(await refusal(h, SESSIONS_RPC.start, { bookingId: b.bookingId }, b.student)).toMatchObject({ code: 'session.booking_cancelled' });
  });

  it('a cancellation that overtakes its confirmation leaves a tombstone the confirmation cannot bring back', async () => {
    const b = newBooking();
    await deliver(h, cancelledEvent(b));
    expect(await snapshot(b.bookingId)).toMatchObject({ status: 'cancelled', ends_at: null });
    h.clock.set(b.startsAt);
    expect(await refusal(h, SESSIONS_RPC.status, { bookingId: b.bookingId }, b.tutor)).toMatchObject({
      status: 409,
      code: 'session.booking_cancelled',
    });
    await deliver(h, confirmedEvent(b));
    expect(await snapshot(b.bookingId)).toMatchObject({ status: 'cancelled', ends_at: b.endsAt });
    expect(await refusal(h, SESSIONS_RPC.start, { bookingId: b.bookingId }, b.student)).toMatchObject({ code: 'session.booking_cancelled' });
    const status = await call<{ canStart: boolean; reason: string }>(h, SESSIONS_RPC.status, { bookingId: b.bookingId }, b.student);
    expect(status).toMatchObject({ canStart: false, reason: 'session.booking_cancelled' });
  });

  it('no-show and completed outrank confirmed (no new session), and are ignored for a booking never seen', async () => {
    const b = newBooking();
    await deliver(h, confirmedEvent(b), noShowEvent(b));
    expect(await snapshot(b.bookingId)).toMatchObject({ status: 'no_show' });
    await deliver(h, confirmedEvent(b));
    expect(await snapshot(b.bookingId)).toMatchObject({ status: 'no_show' });
    h.clock.set(b.startsAt);
    expect(await refusal(h, SESSIONS_RPC.start, { bookingId: b.bookingId }, b.student)).toMatchObject({
      status: 409,
      code: 'session.booking_not_confirmed',
    });
    // Cancelled outranks everything.
    await deliver(h, cancelledEvent(b));
    expect(await snapshot(b.bookingId)).toMatchObject({ status: 'cancelled' });

    const unknown = newBooking();
    await deliver(h, completedEvent(unknown), noShowEvent(unknown));
    expect(await snapshot(unknown.bookingId)).toBeNull();
  });

  it('a completed booking keeps its ended session readable', async () => {
    const b = newBooking();
    await deliver(h, confirmedEvent(b));
    h.clock.set(b.startsAt);
    await call<SessionAccessResponse>(h, SESSIONS_RPC.start, { bookingId: b.bookingId }, b.student);
    await call(h, SESSIONS_RPC.end, { bookingId: b.bookingId }, b.tutor);
    await deliver(h, completedEvent(b));
    expect(await snapshot(b.bookingId)).toMatchObject({ status: 'completed' });
    const status = await call<{ session: { status: string } }>(h, SESSIONS_RPC.status, { bookingId: b.bookingId }, b.student);
    expect(status.session.status).toBe('ended');
    expect((await outboxFor(h, b.bookingId)).map((e) => e.type)).toEqual([
      'sessions.session.started.v1',
      'sessions.session.participant_joined.v1',
      'sessions.session.ended.v1',
    ]);
  });
});
