import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ManualClock } from '@tutorhub/platform';
import { createTestDatabase, deleteNamespace, eventually, startTestService, testNamespace, type TestDatabase, type TestService } from '@tutorhub/testing';
import { AppModule } from '../src/app.module';
import type { NotificationsConfig } from '../src/config';
import { notificationsMain } from '../src/main-definition';
import { ReminderScheduler } from '../src/schedule-reminders/schedule-reminders';
import { SendDueRemindersJob } from '../src/send-due-reminders/send-due-reminders.job';
import { LiveFeed } from '../src/stream-notifications/live-feed';
import { deliver, envelope, queueReady } from './support/events';
import { LiveTap } from './support/live-tap';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const T0 = new Date('2026-03-01T10:00:00.000Z');

const student = { userId: randomUUID(), role: 'student' as const, email: 'hanna@example.com', fullName: 'Hanna Girma' };
const tutor = { userId: randomUUID(), role: 'tutor' as const, email: 'dawit@example.com', fullName: 'Dawit Alemu' };

interface ReminderRow {
  user_id: string;
  kind: string;
  due_at: Date;
  status: string;
  cancel_reason: string | null;
}

describe('lesson reminders (real RabbitMQ + Postgres, ManualClock)', () => {
  let db: TestDatabase;
  let namespace: string;
  let clock: ManualClock;
  let svc: TestService<NotificationsConfig>;
  let tap: LiveTap;
  const ds = () => svc.app.get(DataSource);
  const job = () => svc.app.get(SendDueRemindersJob);

  const reminders = (bookingId: string): Promise<ReminderRow[]> =>
    ds().query(
      `SELECT user_id, kind, due_at, status, cancel_reason FROM notifications.reminders WHERE booking_id = $1 ORDER BY due_at, user_id`,
      [bookingId],
    );
  const reminderNotifications = (bookingId: string): Promise<Array<{ user_id: string; title: string; body: string; data: Record<string, unknown> }>> =>
    ds().query(
      `SELECT user_id, title, body, data FROM notifications.notifications
        WHERE kind = 'booking.reminder' AND data->>'bookingId' = $1 ORDER BY seq`,
      [bookingId],
    );

  async function confirm(startsAt: Date, bookingId = randomUUID()) {
    const e = envelope('bookings.booking.confirmed.v1', {
      bookingId,
      studentId: student.userId,
      tutorId: tutor.userId,
      subject: 'English',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + HOUR).toISOString(),
    });
    await deliver(namespace, ds(), e);
    return bookingId;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    namespace = testNamespace();
    clock = new ManualClock(T0);
    svc = await startTestService(notificationsMain, {
      db,
      namespace,
      module: (c) => AppModule.forRoot(c as NotificationsConfig, { clock, relay: false }),
    });
    tap = await LiveTap.open(namespace);
    await eventually(async () => svc.app.get(LiveFeed).isForwarding);
    await queueReady(namespace);
    await deliver(namespace, ds(), envelope('identity.user.registered.v1', student), envelope('identity.user.registered.v1', tutor));
  });
  afterAll(async () => {
    await tap?.close();
    await svc?.close();
    // The namespace is this file's (passed to startTestService, which then leaves it): remove its queues.
    if (namespace) await deleteNamespace(namespace, ['notifications']);
    await db?.drop();
  });
  beforeEach(() => clock.set(T0));

  it('schedules 24 h and 15 min reminders for both participants and fires each once, when due', async () => {
    const startsAt = new Date(T0.getTime() + 48 * HOUR);
    const bookingId = await confirm(startsAt);
    const scheduled = await reminders(bookingId);
    expect(scheduled.map((r) => [r.kind, r.due_at.toISOString(), r.status])).toEqual([
      ['24h', new Date(startsAt.getTime() - 24 * HOUR).toISOString(), 'scheduled'],
      ['24h', new Date(startsAt.getTime() - 24 * HOUR).toISOString(), 'scheduled'],
      ['15m', new Date(startsAt.getTime() - 15 * MINUTE).toISOString(), 'scheduled'],
      ['15m', new Date(startsAt.getTime() - 15 * MINUTE).toISOString(), 'scheduled'],
    ]);
    expect(new Set(scheduled.map((r) => r.user_id))).toEqual(new Set([student.userId, tutor.userId]));

    // One millisecond early: nothing.
    clock.set(new Date(startsAt.getTime() - 24 * HOUR - 1));
    await job().runOnce();
    expect(await reminderNotifications(bookingId)).toEqual([]);

    clock.set(new Date(startsAt.getTime() - 24 * HOUR));
    await job().runOnce();
    await job().runOnce();
    const day = await reminderNotifications(bookingId);
    expect(day.map((n) => n.user_id).sort()).toEqual([student.userId, tutor.userId].sort());
    const forStudent = day.find((n) => n.user_id === student.userId)!;
    expect(forStudent.title).toBe('Lesson tomorrow');
    expect(forStudent.body).toBe('Your English lesson with Dawit Alemu starts in 24 hours (Tue 3 Mar 2026, 10:00 UTC).');
    expect(forStudent.data).toMatchObject({ bookingId, reminder: '24h', startsAt: startsAt.toISOString(), withUserId: tutor.userId });
    expect(day.find((n) => n.user_id === tutor.userId)!.body).toContain('with Hanna Girma');

    clock.set(new Date(startsAt.getTime() - 10 * MINUTE));
    await job().runOnce();
    await job().runOnce();
    const all = await reminderNotifications(bookingId);
    expect(all).toHaveLength(4);
    expect(all.slice(2).map((n) => [n.data.reminder, n.title])).toEqual([
      ['15m', 'Lesson starts in 15 minutes'],
      ['15m', 'Lesson starts in 15 minutes'],
    ]);
    expect((await reminders(bookingId)).every((r) => r.status === 'sent')).toBe(true);
    // Each reminder notification went out once on the live stream.
    await tap.settled(namespace, ds());
    expect(tap.items.filter((i) => i.kind === 'booking.reminder' && i.data.bookingId === bookingId)).toHaveLength(4);
  });

  // Issue 16: the lesson moved. The reminders follow the newest slot whatever order the events
  // come in (a move before its confirmation, an older move after a newer one, copies), and a
  // 24 h reminder already sent for the old time is due again for the new one.
  it('moves the reminders of a rescheduled lesson to its newest slot, and tells both participants once per move', async () => {
    const startsAt = new Date(T0.getTime() + 30 * HOUR);
    const bookingId = randomUUID();
    const moved = (hours: number, slotSequence: number) =>
      envelope('bookings.booking.rescheduled.v1', {
        bookingId,
        studentId: student.userId,
        tutorId: tutor.userId,
        subject: 'English',
        previousStartsAt: startsAt.toISOString(),
        previousEndsAt: new Date(startsAt.getTime() + HOUR).toISOString(),
        startsAt: new Date(startsAt.getTime() + hours * HOUR).toISOString(),
        endsAt: new Date(startsAt.getTime() + (hours + 1) * HOUR).toISOString(),
        rescheduledBy: tutor.userId,
        status: 'confirmed',
        slotSequence,
      });
    await confirm(startsAt, bookingId);
    // The 24 h reminder of the first time goes out.
    clock.set(new Date(startsAt.getTime() - 24 * HOUR));
    await job().runOnce();
    expect((await reminders(bookingId)).filter((r) => r.status === 'sent').map((r) => r.kind)).toEqual(['24h', '24h']);

    // Moved twice; the second move is delivered first, then the first, then the second again.
    const second = moved(48, 2);
    await deliver(namespace, ds(), second);
    await deliver(namespace, ds(), moved(24, 1));
    await deliver(namespace, ds(), { ...second, id: randomUUID() });
    const newStart = new Date(startsAt.getTime() + 48 * HOUR);
    const now = await reminders(bookingId);
    expect(now.map((r) => [r.kind, r.due_at.toISOString(), r.status])).toEqual([
      ['24h', new Date(newStart.getTime() - 24 * HOUR).toISOString(), 'scheduled'],
      ['24h', new Date(newStart.getTime() - 24 * HOUR).toISOString(), 'scheduled'],
      ['15m', new Date(newStart.getTime() - 15 * MINUTE).toISOString(), 'scheduled'],
      ['15m', new Date(newStart.getTime() - 15 * MINUTE).toISOString(), 'scheduled'],
    ]);
    const told: Array<{ user_id: string; data: { startsAt: string } }> = await ds().query(
      `SELECT user_id, data FROM notifications.notifications WHERE kind = 'booking.rescheduled' AND data->>'bookingId' = $1`,
      [bookingId],
    );
    // Both participants, once for each of the two moves (the copy adds nothing).
    expect(told).toHaveLength(4);
    expect(new Set(told.map((n) => n.user_id))).toEqual(new Set([student.userId, tutor.userId]));

    // Nothing fires at the old time any more.
    clock.set(new Date(startsAt.getTime() - 10 * MINUTE));
    await job().runOnce();
    expect((await reminderNotifications(bookingId)).filter((n) => n.data.startsAt === newStart.toISOString())).toEqual([]);
  });

  it('schedules nothing for a time already past when the booking is confirmed', async () => {
    const soon = await confirm(new Date(T0.getTime() + 3 * HOUR));
    expect((await reminders(soon)).map((r) => r.kind)).toEqual(['15m', '15m']);
    const verySoon = await confirm(new Date(T0.getTime() + 10 * MINUTE));
    expect(await reminders(verySoon)).toEqual([]);
    const exactlyAtTheMark = await confirm(new Date(T0.getTime() + 15 * MINUTE));
    expect(await reminders(exactlyAtTheMark)).toEqual([]);
  });

  it.each([
    ['cancelled', (bookingId: string) =>
      envelope('bookings.booking.cancelled.v1', {
        bookingId,
        studentId: student.userId,
        tutorId: tutor.userId,
        cancelledBy: student.userId,
        cancelledByRole: 'student',
        reason: null,
        refundBasisPoints: 10000,
        previousStatus: 'confirmed',
        startsAt: new Date(T0.getTime() + 48 * HOUR).toISOString(),
      })],
    ['no_show', (bookingId: string) =>
      envelope('bookings.booking.no_show.v1', { bookingId, studentId: student.userId, tutorId: tutor.userId, absentParty: 'both' })],
    ['expired', (bookingId: string) =>
      envelope('bookings.booking.expired.v1', {
        bookingId,
        studentId: student.userId,
        tutorId: tutor.userId,
        reason: 'not_paid',
        previousStatus: 'accepted',
      })],
  ] as const)('cancels the reminders when the booking is %s', async (closure, closing) => {
    const startsAt = new Date(T0.getTime() + 48 * HOUR);
    const bookingId = await confirm(startsAt);
    await deliver(namespace, ds(), closing(bookingId));
    const rows = await reminders(bookingId);
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.status === 'cancelled' && r.cancel_reason === `booking_${closure}`)).toBe(true);
    clock.set(new Date(startsAt.getTime() - 10 * MINUTE));
    await job().runOnce();
    expect(await reminderNotifications(bookingId)).toEqual([]);
  });

  it('schedules nothing for a confirmation that arrives after the booking was cancelled', async () => {
    const bookingId = randomUUID();
    await deliver(
      namespace,
      ds(),
      envelope('bookings.booking.cancelled.v1', {
        bookingId,
        studentId: student.userId,
        tutorId: tutor.userId,
        cancelledBy: tutor.userId,
        cancelledByRole: 'tutor',
        reason: null,
        refundBasisPoints: 10000,
        previousStatus: 'confirmed',
        startsAt: new Date(T0.getTime() + 48 * HOUR).toISOString(),
      }),
    );
    await confirm(new Date(T0.getTime() + 48 * HOUR), bookingId);
    expect(await reminders(bookingId)).toEqual([]);
  });

  it('leaves no reminder behind when a cancellation is handled while another replica is still confirming', async () => {
    const scheduler = svc.app.get(ReminderScheduler);
    const bookingId = randomUUID();
    const startsAt = new Date(T0.getTime() + 48 * HOUR);
    const confirming = ds().createQueryRunner();
    await confirming.connect();
    await confirming.startTransaction();
    try {
      await scheduler.scheduleFor(confirming.manager, {
        bookingId,
        studentId: student.userId,
        tutorId: tutor.userId,
        subject: 'Music',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + HOUR).toISOString(),
      });
      let closed = false;
      const closing = ds()
        .transaction((em) => scheduler.closeBooking(em, bookingId, 'cancelled'))
        .finally(() => (closed = true));
      // The cancellation waits for the confirmation's transaction (or, if it did not, is already done).
      await eventually(async () => {
        if (closed) return true;
        const [w] = await ds().query(
          `SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        return w.n > 0;
      });
      await confirming.commitTransaction();
      await closing;
    } finally {
      await confirming.release();
    }
    const rows = await reminders(bookingId);
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
  });

  it('drops a 24 h reminder that could only be sent once the 15 min one was due', async () => {
    const startsAt = new Date(T0.getTime() + 48 * HOUR);
    const bookingId = await confirm(startsAt);
    clock.set(new Date(startsAt.getTime() - 5 * MINUTE));
    await job().runOnce();
    const rows = await reminders(bookingId);
    expect(rows.filter((r) => r.kind === '24h').map((r) => [r.status, r.cancel_reason])).toEqual([
      ['cancelled', 'stale'],
      ['cancelled', 'stale'],
    ]);
    expect((await reminderNotifications(bookingId)).map((n) => n.data.reminder)).toEqual(['15m', '15m']);
  });

  it('sends every due reminder exactly once when several replicas run the job at the same time', async () => {
    const startsAt = new Date(T0.getTime() + 30 * HOUR);
    const bookings: string[] = [];
    for (let i = 0; i < 60; i++) bookings.push(randomUUID());
    await deliver(
      namespace,
      ds(),
      ...bookings.map((bookingId) =>
        envelope('bookings.booking.confirmed.v1', {
          bookingId,
          studentId: student.userId,
          tutorId: tutor.userId,
          subject: 'History',
          startsAt: startsAt.toISOString(),
          endsAt: new Date(startsAt.getTime() + HOUR).toISOString(),
        }),
      ),
    );
    const otherClock = new ManualClock(T0);
    const other = await startTestService(notificationsMain, {
      db,
      namespace,
      module: (c) => AppModule.forRoot(c as NotificationsConfig, { clock: otherClock, relay: false }),
    });
    try {
      const due = new Date(startsAt.getTime() - 24 * HOUR);
      clock.set(due);
      otherClock.set(due);
      const jobs = [job(), other.app.get(SendDueRemindersJob)];
      const counts = await Promise.all([jobs[0].runOnce(), jobs[1].runOnce(), jobs[0].runOnce(), jobs[1].runOnce()]);
      // 60 bookings × 2 participants, 24 h reminders only.
      expect(counts.reduce((a, b) => a + b, 0)).toBe(120);
      const [stats] = await ds().query(
        `SELECT count(*)::int AS n, count(DISTINCT (data->>'bookingId', user_id))::int AS distinct_pairs
           FROM notifications.notifications WHERE kind = 'booking.reminder' AND data->>'bookingId' = ANY($1::text[])`,
        [bookings],
      );
      expect(stats).toEqual({ n: 120, distinct_pairs: 120 });
      const [sent] = await ds().query(
        `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'scheduled')::int AS scheduled
           FROM notifications.reminders WHERE booking_id = ANY($1::uuid[])`,
        [bookings],
      );
      expect(sent).toEqual({ sent: 120, scheduled: 120 });
    } finally {
      await other.close();
    }
  });
});
