import { SESSIONS_RPC, type SessionAccessResponse, type SessionEndResponse, type SessionStatusResponse } from '@tutorhub/contracts';
import { AutoEndSessionsJob } from '../src/auto-end-sessions/auto-end-sessions.job';
import { ReportMissedSessionsJob } from '../src/report-missed-sessions/report-missed-sessions.job';
import {
  MINUTE,
  call,
  cancelledEvent,
  confirmedBooking,
  countEvents,
  deliver,
  newBooking,
  outboxFor,
  plus,
  refusal,
  startSessions,
  type SessionsHarness,
  type TestBooking,
} from './support';

const GRACE = 10 * MINUTE;

describe('session jobs: auto-end and missed sessions (ManualClock, two replicas)', () => {
  let a: SessionsHarness;
  let b: SessionsHarness;

  beforeAll(async () => {
    a = await startSessions();
    // A second replica on the same database and broker namespace.
    b = await startSessions({ db: a.svc.db, namespace: a.svc.namespace });
  });
  afterAll(async () => {
    await b?.svc.close();
    await a?.svc.close();
  });

  const setClocks = (t: Date) => {
    a.clock.set(t);
    b.clock.set(t);
  };
  /** One pass of both jobs on a replica: auto-end, then missed. */
  const runJobsOn = async (replica: SessionsHarness) => {
    await replica.svc.app.get(AutoEndSessionsJob).runOnce();
    await replica.svc.app.get(ReportMissedSessionsJob).runOnce();
  };
  const runJobs = () => runJobsOn(a);
  const start = (bk: TestBooking, actor = bk.student) => call<SessionAccessResponse>(a, SESSIONS_RPC.start, { bookingId: bk.bookingId }, actor);
  const status = (bk: TestBooking) => call<SessionStatusResponse>(a, SESSIONS_RPC.status, { bookingId: bk.bookingId }, bk.student);

  /** Each test gets bookings in its own stretch of time, later than every earlier test's. */
  let slot = 0;
  const nextBookings = async (n: number) => {
    slot += 1;
    return Promise.all(Array.from({ length: n }, () => confirmedBooking(a, newBooking(slot * 24 * 60))));
  };

  it('auto-ends an active session at scheduled end + grace (not 1 ms earlier), as the system, once', async () => {
    const [bk] = await nextBookings(1);
    setClocks(bk!.startsAt);
    const started = await start(bk!);

    setClocks(plus(bk!.endsAt, GRACE - 1));
    await runJobs();
    expect((await status(bk!)).session?.status).toBe('active');
    expect(await countEvents(a, bk!.bookingId, 'sessions.session.ended.v1')).toBe(0);

    // The job runs late: the session still ends at the instant the tokens lapsed.
    setClocks(plus(bk!.endsAt, GRACE + 3 * MINUTE));
    await runJobs();
    await runJobs();
    const view = (await status(bk!)).session;
    expect(view).toMatchObject({ status: 'ended', endedBy: 'system', endedAt: plus(bk!.endsAt, GRACE).toISOString(), durationSeconds: 70 * 60 });
    const ended = (await outboxFor(a, bk!.bookingId)).filter((e) => e.type === 'sessions.session.ended.v1');
    expect(ended).toHaveLength(1);
    expect(ended[0]!.data).toEqual({
      sessionId: started.session.id,
      bookingId: bk!.bookingId,
      studentId: bk!.student.userId,
      tutorId: bk!.tutor.userId,
      endedBy: 'system',
      startedAt: bk!.startsAt.toISOString(),
      endedAt: plus(bk!.endsAt, GRACE).toISOString(),
      durationSeconds: 70 * 60,
      scheduledDurationSeconds: 60 * 60,
      attendance: { studentJoinedAt: bk!.startsAt.toISOString(), tutorJoinedAt: null },
      absentParty: 'tutor',
      abandonedBy: null,
      scheduledStartsAt: bk!.startsAt.toISOString(),
    });

    // A participant ending afterwards gets the system's end and nothing is emitted again.
    const late = await call<SessionEndResponse>(a, SESSIONS_RPC.end, { bookingId: bk!.bookingId }, bk!.tutor);
    expect(late.session).toMatchObject({ endedBy: 'system' });
    expect(await refusal(a, SESSIONS_RPC.token, { bookingId: bk!.bookingId }, bk!.student)).toMatchObject({ code: 'session.already_ended' });
    expect(await countEvents(a, bk!.bookingId, 'sessions.session.ended.v1')).toBe(1);
  });

  it('reports session.missed (both absent) strictly after the window closes, once, and then refuses a start', async () => {
    const [missed, cancelled, held] = await nextBookings(3);
    await deliver(a, cancelledEvent(cancelled!));
    setClocks(held!.startsAt);
    await start(held!, held!.tutor);

    setClocks(plus(missed!.startsAt, 15 * MINUTE));
    await runJobs();
    expect(await countEvents(a, missed!.bookingId, 'sessions.session.missed.v1')).toBe(0);

    setClocks(plus(missed!.startsAt, 15 * MINUTE + 1));
    await runJobs();
    await runJobs();
    expect((await outboxFor(a, missed!.bookingId)).map((e) => e.data)).toEqual([
      { bookingId: missed!.bookingId, studentId: missed!.student.userId, tutorId: missed!.tutor.userId, absentParty: 'both' },
    ]);
    // A cancelled booking and one that had its session are never missed.
    expect(await countEvents(a, cancelled!.bookingId, 'sessions.session.missed.v1')).toBe(0);
    expect(await countEvents(a, held!.bookingId, 'sessions.session.missed.v1')).toBe(0);

    // Even a replica whose clock still says "inside the window" cannot start it now.
    b.clock.set(plus(missed!.startsAt, 15 * MINUTE));
    expect(await refusal(b, SESSIONS_RPC.start, { bookingId: missed!.bookingId }, missed!.student)).toMatchObject({
      status: 409,
      code: 'session.too_late',
    });
    expect((await call<SessionStatusResponse>(b, SESSIONS_RPC.status, { bookingId: missed!.bookingId }, missed!.tutor)).canStart).toBe(false);
  });

  it('two replicas running both jobs at once end each session and report each missed booking exactly once', async () => {
    const bookings = await nextBookings(40);
    const withSession = bookings.slice(0, 20);
    const without = bookings.slice(20);
    setClocks(bookings[0]!.startsAt);
    await Promise.all(withSession.map((bk) => start(bk)));

    setClocks(plus(bookings[0]!.endsAt, GRACE + MINUTE));
    await Promise.all([
      runJobsOn(a),
      runJobsOn(b),
      runJobsOn(a),
      runJobsOn(b),
    ]);
    for (const bk of withSession) {
      expect(await countEvents(a, bk.bookingId, 'sessions.session.ended.v1')).toBe(1);
      expect(await countEvents(a, bk.bookingId, 'sessions.session.missed.v1')).toBe(0);
    }
    for (const bk of without) {
      expect(await countEvents(a, bk.bookingId, 'sessions.session.missed.v1')).toBe(1);
    }
  });

  it('a participant ending while the auto-end job runs: one end, one event', async () => {
    const bookings = await nextBookings(10);
    setClocks(bookings[0]!.startsAt);
    await Promise.all(bookings.map((bk) => start(bk)));
    setClocks(plus(bookings[0]!.endsAt, GRACE));
    const results = await Promise.all([
      ...bookings.map((bk) => call<SessionEndResponse>(b, SESSIONS_RPC.end, { bookingId: bk.bookingId }, bk.tutor)),
      runJobs(),
    ]);
    for (const [i, bk] of bookings.entries()) {
      expect(await countEvents(a, bk.bookingId, 'sessions.session.ended.v1')).toBe(1);
      expect((results[i] as SessionEndResponse).session).toMatchObject({ status: 'ended', endedAt: plus(bk.endsAt, GRACE).toISOString() });
    }
  });
});
