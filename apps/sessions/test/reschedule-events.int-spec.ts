import { randomUUID } from 'node:crypto';
import { SESSIONS_RPC, type SessionStatusResponse } from '@tutorhub/contracts';
import { call, confirmedEvent, deliver, ds, envelope, MINUTE, newBooking, plus, startSessions, type SessionsHarness, type TestBooking } from './support';

/**
 * Reschedule (issue 16) as sessions hears it: `booking.rescheduled` may arrive before the
 * confirmation it follows, after a newer reschedule, or twice under new ids. The snapshot keeps
 * the newest slot (`slotSequence`), and the start window and token expiry follow it.
 */
describe('sessions: a rescheduled lesson, whatever order its events arrive in', () => {
  let h: SessionsHarness;

  beforeAll(async () => {
    h = await startSessions();
  });
  afterAll(async () => {
    await h?.svc.close();
  });

  const moved = (b: TestBooking, hours: number, slotSequence: number, status: 'confirmed' | 'accepted' = 'confirmed') =>
    envelope('bookings.booking.rescheduled.v1', {
      bookingId: b.bookingId,
      studentId: b.student.userId,
      tutorId: b.tutor.userId,
      subject: 'Algebra',
      previousStartsAt: b.startsAt.toISOString(),
      previousEndsAt: b.endsAt.toISOString(),
      startsAt: plus(b.startsAt, hours * 60 * MINUTE).toISOString(),
      endsAt: plus(b.endsAt, hours * 60 * MINUTE).toISOString(),
      rescheduledBy: b.tutor.userId,
      status,
      slotSequence,
    });
  const snapshot = async (b: TestBooking) =>
    ((await ds(h).query(`SELECT starts_at, ends_at, slot_sequence, status FROM sessions.booking_snapshots WHERE booking_id = $1`, [b.bookingId])) as Array<{
      starts_at: Date;
      ends_at: Date;
      slot_sequence: number;
      status: string;
    }>)[0];
  const status = (b: TestBooking) => call<SessionStatusResponse>(h, SESSIONS_RPC.status, { bookingId: b.bookingId }, b.student);

  it('keeps the newest slot: reschedules before the confirmation, out of order and twice', async () => {
    const b = newBooking();
    // The second move arrives first, then the first move, then the (older) confirmation, then copies.
    await deliver(h, moved(b, 3, 2));
    await deliver(h, moved(b, 2, 1));
    await deliver(h, confirmedEvent(b));
    await deliver(h, { ...moved(b, 3, 2), id: randomUUID() }, { ...confirmedEvent(b), id: randomUUID() });
    const row = await snapshot(b);
    expect(row).toMatchObject({ status: 'confirmed', slot_sequence: 2 });
    expect(row.starts_at.toISOString()).toBe(plus(b.startsAt, 3 * 60 * MINUTE).toISOString());
    expect(row.ends_at.toISOString()).toBe(plus(b.endsAt, 3 * 60 * MINUTE).toISOString());

    // The start window follows the new slot: the old start is now too early.
    h.clock.set(b.startsAt);
    try {
      expect(await status(b)).toMatchObject({ canStart: false, reason: 'session.too_early', canStartFrom: plus(b.startsAt, 3 * 60 * MINUTE - 5 * MINUTE).toISOString() });
      h.clock.set(plus(b.startsAt, 3 * 60 * MINUTE));
      expect(await status(b)).toMatchObject({ canStart: true });
    } finally {
      h.clock.set(new Date());
    }
  });

  it('moves a confirmed snapshot, and leaves a booking it never saw confirmed to its confirmation', async () => {
    const b = await (async () => {
      const x = newBooking();
      await deliver(h, confirmedEvent(x));
      return x;
    })();
    await deliver(h, moved(b, 1, 1));
    expect((await snapshot(b)).starts_at.toISOString()).toBe(plus(b.startsAt, 60 * MINUTE).toISOString());

    // Moved while only accepted: nothing to keep yet (its confirmation will carry the new slot).
    const early = newBooking();
    await deliver(h, moved(early, 1, 1, 'accepted'));
    expect(await snapshot(early)).toBeUndefined();
  });
});
