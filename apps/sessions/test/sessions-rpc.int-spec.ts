import { randomUUID } from 'node:crypto';
import {
  SESSIONS_RPC,
  sessionAccessResponseSchema,
  sessionEndResponseSchema,
  sessionStatusResponseSchema,
  type SessionAccessResponse,
  type SessionEndResponse,
  type SessionStatusResponse,
} from '@tutorhub/contracts';
import { decodeAccessToken2, RTC_PRIVILEGE, verifyAccessToken2 } from '../src/agora/agora-token.decode';
import { participantUid } from '../src/domain/participant-uid';
import {
  APP_CERT,
  APP_ID,
  MINUTE,
  call,
  cancelledEvent,
  confirmedBooking,
  countEvents,
  deliver,
  ds,
  newBooking,
  outboxFor,
  plus,
  refusal,
  startSessions,
  type SessionsHarness,
  type TestBooking,
} from './support';

const GRACE = 10 * MINUTE;

describe('sessions RPC (real RabbitMQ + Postgres, ManualClock)', () => {
  let h: SessionsHarness;

  beforeAll(async () => {
    h = await startSessions();
  });
  afterAll(async () => {
    await h?.svc.close();
  });

  const start = (b: TestBooking, actor = b.student) =>
    call<SessionAccessResponse>(h, SESSIONS_RPC.start, { bookingId: b.bookingId }, actor);
  const join = (b: TestBooking, actor = b.tutor) => call<SessionAccessResponse>(h, SESSIONS_RPC.join, { bookingId: b.bookingId }, actor);
  const renew = (b: TestBooking, actor = b.tutor) => call<SessionAccessResponse>(h, SESSIONS_RPC.token, { bookingId: b.bookingId }, actor);
  const end = (b: TestBooking, actor = b.student, notes?: string) =>
    call<SessionEndResponse>(h, SESSIONS_RPC.end, { bookingId: b.bookingId, ...(notes ? { notes } : {}) }, actor);
  const status = (b: TestBooking, actor = b.student) => call<SessionStatusResponse>(h, SESSIONS_RPC.status, { bookingId: b.bookingId }, actor);

  /** The token decodes to our app id, the booking's channel, the caller's own uid, and lapses at end + grace. */
  function expectTokenFor(res: SessionAccessResponse, b: TestBooking, userId: string) {
    const channelName = `th_${b.bookingId.replace(/-/g, '')}`;
    const uid = participantUid(userId);
    expect(res.agora).toMatchObject({ appId: APP_ID, channelName, uid });
    const decoded = decodeAccessToken2(res.agora.token);
    expect(decoded.appId).toBe(APP_ID);
    expect(decoded.services.rtc?.channelName).toBe(channelName);
    expect(decoded.services.rtc?.uid).toBe(uid);
    const lapses = (decoded.issueTs + decoded.expire) * 1000;
    expect(lapses).toBe(b.endsAt.getTime() + GRACE);
    expect(res.agora.expiresAt).toBe(new Date(lapses).toISOString());
    // Publisher: join plus audio, video and data, all until the same expiry.
    expect(Object.keys(decoded.services.rtc?.privileges ?? {}).map(Number).sort()).toEqual(
      Object.values(RTC_PRIVILEGE).sort(),
    );
    expect(new Set(Object.values(decoded.services.rtc?.privileges ?? {}))).toEqual(new Set([decoded.expire]));
    expect(verifyAccessToken2(res.agora.token, APP_CERT)).toBe(true);
  }

  describe('start window (5 min early … 15 min late, both edges inclusive)', () => {
    it('refuses 1 ms before the window opens and starts exactly when it opens', async () => {
      const b = await confirmedBooking(h);
      h.clock.set(plus(b.startsAt, -5 * MINUTE - 1));
      const early = await refusal(h, SESSIONS_RPC.start, { bookingId: b.bookingId }, b.student);
      expect(early).toMatchObject({
        status: 409,
        code: 'session.too_early',
        details: {
          canStartFrom: plus(b.startsAt, -5 * MINUTE).toISOString(),
          canStartUntil: plus(b.startsAt, 15 * MINUTE).toISOString(),
          serverTime: plus(b.startsAt, -5 * MINUTE - 1).toISOString(),
        },
      });
      expect(await status(b)).toMatchObject({ canStart: false, reason: 'session.too_early', session: null });
      expect(await countEvents(h, b.bookingId, 'sessions.session.started.v1')).toBe(0);

      h.clock.set(plus(b.startsAt, -5 * MINUTE));
      expect(await status(b)).toMatchObject({ canStart: true, reason: null });
      const res = await start(b);
      expect(res.session).toMatchObject({ status: 'active', startedAt: plus(b.startsAt, -5 * MINUTE).toISOString() });
    });

    it('starts exactly when the window closes and refuses 1 ms later', async () => {
      const late = await confirmedBooking(h);
      h.clock.set(plus(late.startsAt, 15 * MINUTE + 1));
      expect(await refusal(h, SESSIONS_RPC.start, { bookingId: late.bookingId }, late.tutor)).toMatchObject({
        status: 409,
        code: 'session.too_late',
      });
      expect(await status(late, late.tutor)).toMatchObject({ canStart: false, reason: 'session.too_late' });

      const onTime = await confirmedBooking(h);
      h.clock.set(plus(onTime.startsAt, 15 * MINUTE));
      const res = await start(onTime, onTime.tutor);
      expect(res.session).toMatchObject({ status: 'active', startedBy: onTime.tutor.userId });
    });
  });

  describe('refusals', () => {
    it('answers 404 session.not_found to an outsider, an admin and for an unknown booking, and gives them nothing', async () => {
      const b = await confirmedBooking(h);
      h.clock.set(b.startsAt);
      const outsider = { userId: randomUUID(), role: 'student' as const };
      const admin = { userId: randomUUID(), role: 'admin' as const };
      for (const actor of [outsider, admin]) {
        for (const pattern of Object.values(SESSIONS_RPC)) {
          expect(await refusal(h, pattern, { bookingId: b.bookingId }, actor)).toMatchObject({ status: 404, code: 'session.not_found' });
        }
      }
      expect(await refusal(h, SESSIONS_RPC.start, { bookingId: randomUUID() }, b.student)).toMatchObject({ status: 404, code: 'session.not_found' });
      // Also once the session exists: an outsider still learns nothing and gets no token.
      await start(b);
      for (const pattern of [SESSIONS_RPC.start, SESSIONS_RPC.join, SESSIONS_RPC.token, SESSIONS_RPC.status, SESSIONS_RPC.end]) {
        expect(await refusal(h, pattern, { bookingId: b.bookingId }, outsider)).toMatchObject({ status: 404, code: 'session.not_found' });
      }
      expect(await countEvents(h, b.bookingId, 'sessions.session.participant_joined.v1')).toBe(1);
    });

    it('never starts, joins or renews for a cancelled booking', async () => {
      const b = await confirmedBooking(h);
      await deliver(h, cancelledEvent(b));
      h.clock.set(b.startsAt);
      expect(await refusal(h, SESSIONS_RPC.start, { bookingId: b.bookingId }, b.student)).toMatchObject({ status: 409, code: 'session.booking_cancelled' });
      expect(await status(b)).toMatchObject({ canStart: false, reason: 'session.booking_cancelled', session: null });
      expect(await outboxFor(h, b.bookingId)).toEqual([]);

      // Cancelled while the session runs (a race with the start): no more tokens for anyone.
      const running = await confirmedBooking(h);
      h.clock.set(running.startsAt);
      await start(running);
      await deliver(h, cancelledEvent(running));
      for (const pattern of [SESSIONS_RPC.start, SESSIONS_RPC.join, SESSIONS_RPC.token]) {
        for (const actor of [running.student, running.tutor]) {
          expect(await refusal(h, pattern, { bookingId: running.bookingId }, actor)).toMatchObject({ status: 409, code: 'session.booking_cancelled' });
        }
      }
    });

    it('refuses join, renew and end before anyone started', async () => {
      const b = await confirmedBooking(h);
      h.clock.set(b.startsAt);
      for (const pattern of [SESSIONS_RPC.join, SESSIONS_RPC.token, SESSIONS_RPC.end]) {
        expect(await refusal(h, pattern, { bookingId: b.bookingId }, b.tutor)).toMatchObject({ status: 409, code: 'session.not_started' });
      }
    });

    it('answers 400 to bad input and 401 without an actor', async () => {
      const b = await confirmedBooking(h);
      for (const [pattern, data] of [
        [SESSIONS_RPC.start, { bookingId: 'not-a-uuid' }],
        [SESSIONS_RPC.join, {}],
        [SESSIONS_RPC.token, { bookingId: b.bookingId, extra: true }],
        [SESSIONS_RPC.status, null],
        [SESSIONS_RPC.end, { bookingId: b.bookingId, notes: 'x'.repeat(4001) }],
        [SESSIONS_RPC.end, { bookingId: b.bookingId, notes: 42 }],
      ] as const) {
        const problem = await refusal(h, pattern, data, b.student);
        expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
        expect(problem.errors?.length).toBeGreaterThan(0);
      }
      expect(await refusal(h, SESSIONS_RPC.status, { bookingId: b.bookingId }, null)).toMatchObject({ status: 401 });
    });
  });

  it('start, join, renew, rejoin, end with notes: shapes, attendance, tokens and events once each', async () => {
    const b = await confirmedBooking(h);
    const { student, tutor } = b;

    h.clock.set(plus(b.startsAt, -2 * MINUTE));
    const started = sessionAccessResponseSchema.parse(await start(b, student));
    expect(started.serverTime).toBe(plus(b.startsAt, -2 * MINUTE).toISOString());
    expect(started.session).toMatchObject({
      bookingId: b.bookingId,
      status: 'active',
      channelName: `th_${b.bookingId.replace(/-/g, '')}`,
      startedBy: student.userId,
      startedAt: plus(b.startsAt, -2 * MINUTE).toISOString(),
      endedAt: null,
      endedBy: null,
      durationSeconds: null,
      scheduledStartsAt: b.startsAt.toISOString(),
      scheduledEndsAt: b.endsAt.toISOString(),
      scheduledDurationSeconds: 3600,
      attendance: {
        student: { userId: student.userId, joined: true, joinCount: 1, uid: participantUid(student.userId) },
        tutor: { userId: tutor.userId, joined: false, joinCount: 0, firstJoinedAt: null, uid: participantUid(tutor.userId) },
        absentParty: null,
      },
    });
    expectTokenFor(started, b, student.userId);

    const st = sessionStatusResponseSchema.parse(await status(b, tutor));
    expect(st).toMatchObject({ canStart: true, reason: null, session: { id: started.session.id, status: 'active' } });

    h.clock.set(b.startsAt);
    const joined = sessionAccessResponseSchema.parse(await join(b, tutor));
    expect(joined.session.id).toBe(started.session.id);
    expect(joined.session.attendance.tutor).toMatchObject({ joined: true, joinCount: 1, firstJoinedAt: b.startsAt.toISOString() });
    expectTokenFor(joined, b, tutor.userId);
    expect(joined.agora.uid).not.toBe(started.agora.uid);

    h.clock.set(plus(b.startsAt, 30 * MINUTE));
    const renewed = sessionAccessResponseSchema.parse(await renew(b, tutor));
    expectTokenFor(renewed, b, tutor.userId);
    expect(renewed.session.attendance.tutor.joinCount).toBe(1);

    h.clock.set(plus(b.startsAt, 31 * MINUTE));
    const rejoined = await join(b, tutor);
    expect(rejoined.session.attendance.tutor).toMatchObject({
      joinCount: 2,
      firstJoinedAt: b.startsAt.toISOString(),
      lastJoinedAt: plus(b.startsAt, 31 * MINUTE).toISOString(),
    });
    // The starter pressing start again is a rejoin, not a second session.
    const again = await start(b, student);
    expect(again.session.id).toBe(started.session.id);
    expect(again.session.attendance.student.joinCount).toBe(2);

    h.clock.set(plus(b.endsAt, -5 * MINUTE));
    const ended = sessionEndResponseSchema.parse(await end(b, student, 'Covered chapter 3'));
    expect(ended.session).toMatchObject({
      status: 'ended',
      endedBy: student.userId,
      endedAt: plus(b.endsAt, -5 * MINUTE).toISOString(),
      durationSeconds: 57 * 60,
      scheduledDurationSeconds: 3600,
      notes: 'Covered chapter 3',
      attendance: { absentParty: null },
    });

    expect((await outboxFor(h, b.bookingId)).map((e) => e.type)).toEqual([
      'sessions.session.started.v1',
      'sessions.session.participant_joined.v1',
      'sessions.session.participant_joined.v1',
      'sessions.session.ended.v1',
    ]);
    const events = await outboxFor(h, b.bookingId);
    expect(events[0]!.data).toEqual({
      sessionId: started.session.id,
      bookingId: b.bookingId,
      studentId: student.userId,
      tutorId: tutor.userId,
      startedBy: student.userId,
      channelName: started.session.channelName,
      startedAt: plus(b.startsAt, -2 * MINUTE).toISOString(),
    });
    expect(events[1]!.data).toMatchObject({ userId: student.userId, role: 'student' });
    expect(events[2]!.data).toMatchObject({ userId: tutor.userId, role: 'tutor', joinedAt: b.startsAt.toISOString() });
    expect(events[3]!.data).toEqual({
      sessionId: started.session.id,
      bookingId: b.bookingId,
      studentId: student.userId,
      tutorId: tutor.userId,
      endedBy: student.userId,
      startedAt: plus(b.startsAt, -2 * MINUTE).toISOString(),
      endedAt: plus(b.endsAt, -5 * MINUTE).toISOString(),
      durationSeconds: 57 * 60,
      scheduledDurationSeconds: 3600,
      attendance: { studentJoinedAt: plus(b.startsAt, -2 * MINUTE).toISOString(), tutorJoinedAt: b.startsAt.toISOString() },
      absentParty: null,
      abandonedBy: null,
      scheduledStartsAt: b.startsAt.toISOString(),
    });
  });

  // Issue 13, defect 2: the tutor starts 5 minutes early and ends 5 seconds later; the student
  // arrives on time. The student is not absent: the tutor has cancelled (payments refunds in full).
  it('a participant who ends the session before the other joined, while the start window is open, abandoned it: nobody is absent', async () => {
    const early = await confirmedBooking(h);
    h.clock.set(plus(early.startsAt, -5 * MINUTE));
    await start(early, early.tutor);
    h.clock.set(plus(early.startsAt, -5 * MINUTE + 5000));
    const ended = await end(early, early.tutor);
    expect(ended.session).toMatchObject({ endedBy: early.tutor.userId, attendance: { absentParty: null, abandonedBy: 'tutor' } });
    const [ev] = (await outboxFor(h, early.bookingId)).filter((e) => e.type === 'sessions.session.ended.v1');
    expect(ev!.data).toMatchObject({
      absentParty: null,
      abandonedBy: 'tutor',
      scheduledStartsAt: early.startsAt.toISOString(),
      attendance: { studentJoinedAt: null, tutorJoinedAt: plus(early.startsAt, -5 * MINUTE).toISOString() },
    });

    // The mirror case: the student gives up at the last moment of the window (inclusive).
    const waited = await confirmedBooking(h);
    h.clock.set(waited.startsAt);
    await start(waited, waited.student);
    h.clock.set(plus(waited.startsAt, 15 * MINUTE));
    expect((await end(waited, waited.student)).session.attendance).toMatchObject({ absentParty: null, abandonedBy: 'student' });

    // After the window has closed, the one who never came is absent, as before.
    const closed = await confirmedBooking(h);
    h.clock.set(closed.startsAt);
    await start(closed, closed.student);
    h.clock.set(plus(closed.startsAt, 15 * MINUTE + 1));
    expect((await end(closed, closed.student)).session.attendance).toMatchObject({ absentParty: 'tutor', abandonedBy: null });
    const [late] = (await outboxFor(h, closed.bookingId)).filter((e) => e.type === 'sessions.session.ended.v1');
    expect(late!.data).toMatchObject({ absentParty: 'tutor', abandonedBy: null });

    // Both joined: an ordinary end, whenever it happens.
    const both = await confirmedBooking(h);
    h.clock.set(both.startsAt);
    await start(both, both.student);
    await join(both, both.tutor);
    h.clock.set(plus(both.startsAt, MINUTE));
    expect((await end(both, both.tutor)).session.attendance).toMatchObject({ absentParty: null, abandonedBy: null });
  });

  it('end twice answers the first end and emits nothing more; after the end nobody gets a token', async () => {
    const b = await confirmedBooking(h);
    h.clock.set(b.startsAt);
    await start(b, b.tutor);
    h.clock.set(plus(b.startsAt, 20 * MINUTE));
    const first = await end(b, b.tutor);
    h.clock.set(plus(b.startsAt, 21 * MINUTE));
    const second = await end(b, b.student, 'late notes');
    expect(second.session).toMatchObject({
      id: first.session.id,
      endedBy: b.tutor.userId,
      endedAt: plus(b.startsAt, 20 * MINUTE).toISOString(),
      durationSeconds: 20 * 60,
      // Notes from a later end are kept when the first end had none.
      notes: 'late notes',
      attendance: { absentParty: 'student' },
    });
    const repeat = await end(b, b.tutor, 'other notes');
    expect(repeat.session).toMatchObject({ endedBy: b.tutor.userId, notes: 'late notes' });
    expect(await countEvents(h, b.bookingId, 'sessions.session.ended.v1')).toBe(1);
    const [ev] = (await outboxFor(h, b.bookingId)).filter((e) => e.type === 'sessions.session.ended.v1');
    expect(ev!.data).toMatchObject({ absentParty: 'student', attendance: { studentJoinedAt: null, tutorJoinedAt: b.startsAt.toISOString() } });

    for (const pattern of [SESSIONS_RPC.join, SESSIONS_RPC.token, SESSIONS_RPC.start]) {
      for (const actor of [b.student, b.tutor]) {
        expect(await refusal(h, pattern, { bookingId: b.bookingId }, actor)).toMatchObject({ status: 409, code: 'session.already_ended' });
      }
    }
    expect(await status(b)).toMatchObject({ canStart: false, reason: 'session.already_ended', session: { status: 'ended' } });
    expect(await countEvents(h, b.bookingId, 'sessions.session.participant_joined.v1')).toBe(1);
  });

  it('refuses tokens from the scheduled end + grace on, and a late end is recorded as the system’s at that instant', async () => {
    const b = await confirmedBooking(h);
    h.clock.set(b.startsAt);
    await start(b);
    await join(b);
    h.clock.set(plus(b.endsAt, GRACE - 1));
    expectTokenFor(await renew(b), b, b.tutor.userId);
    h.clock.set(plus(b.endsAt, GRACE));
    expect(await refusal(h, SESSIONS_RPC.token, { bookingId: b.bookingId }, b.tutor)).toMatchObject({ status: 409, code: 'session.already_ended' });
    expect(await refusal(h, SESSIONS_RPC.join, { bookingId: b.bookingId }, b.student)).toMatchObject({ status: 409, code: 'session.already_ended' });
    h.clock.set(plus(b.endsAt, GRACE + 7 * MINUTE));
    const ended = await end(b, b.student);
    expect(ended.session).toMatchObject({ endedBy: 'system', endedAt: plus(b.endsAt, GRACE).toISOString(), durationSeconds: 70 * 60 });
    expect(await countEvents(h, b.bookingId, 'sessions.session.ended.v1')).toBe(1);
  });

  it('a concurrent double start by both participants creates exactly one session', async () => {
    const bookings = await Promise.all(Array.from({ length: 6 }, () => confirmedBooking(h, newBooking())));
    h.clock.set(bookings[0]!.startsAt);
    const results = await Promise.all(bookings.flatMap((b) => [start(b, b.student), start(b, b.tutor), start(b, b.student)]));
    for (const [i, b] of bookings.entries()) {
      const mine = results.slice(i * 3, i * 3 + 3);
      expect(new Set(mine.map((r) => r.session.id)).size).toBe(1);
      expectTokenFor(mine[0]!, b, b.student.userId);
      expectTokenFor(mine[1]!, b, b.tutor.userId);
      const [{ n }] = await ds(h).query(`SELECT count(*)::int AS n FROM sessions.sessions WHERE booking_id = $1`, [b.bookingId]);
      expect(n).toBe(1);
      expect(await countEvents(h, b.bookingId, 'sessions.session.started.v1')).toBe(1);
      const joinedEvents = (await outboxFor(h, b.bookingId)).filter((e) => e.type === 'sessions.session.participant_joined.v1');
      expect(joinedEvents.map((e) => e.data.role).sort()).toEqual(['student', 'tutor']);
      const view = await status(b);
      expect(view.session?.attendance.student.joinCount).toBe(2);
      expect(view.session?.attendance.tutor.joinCount).toBe(1);
    }
  });
});
