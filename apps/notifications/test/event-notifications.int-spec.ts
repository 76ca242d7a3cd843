import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { EventEnvelope } from '@tutorhub/contracts';
import { ManualClock } from '@tutorhub/platform';
import { eventually, startTestService, type TestService } from '@tutorhub/testing';
import { AppModule } from '../src/app.module';
import type { NotificationsConfig } from '../src/config';
import { notificationsMain } from '../src/main-definition';
import { LiveFeed } from '../src/stream-notifications/live-feed';
import { NotificationWriter } from '../src/write-notification/write-notification';
import { TellAboutEvent, setBased } from '../src/tell-about-event/tell-about-event';
import { consumed, deliver, envelope, publish, queueReady } from './support/events';
import { LiveTap } from './support/live-tap';

const NOW = '2026-03-01T10:00:00.000Z';
const STARTS = '2026-03-05T14:00:00.000Z';
const ENDS = '2026-03-05T15:00:00.000Z';
const price = { amountMinor: 150000, currency: 'ETB' as const };

const student = { userId: randomUUID(), role: 'student' as const, email: 'abebe@example.com', fullName: 'Abebe Kebede' };
const tutor = { userId: randomUUID(), role: 'tutor' as const, email: 'sara@example.com', fullName: 'Sara Tesfaye' };
const S = student.userId;
const T = tutor.userId;
const admin = randomUUID();

function parties(bookingId = randomUUID()) {
  return { bookingId, studentId: S, tutorId: T };
}

interface Row {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
}

describe('notifications from events (real RabbitMQ + Postgres)', () => {
  let svc: TestService<NotificationsConfig>;
  let tap: LiveTap;
  const ds = () => svc.app.get(DataSource);
  const bySource = (eventId: string): Promise<Row[]> =>
    ds().query(`SELECT id, user_id, kind, title, body, data FROM notifications.notifications WHERE source_event_id = $1 ORDER BY user_id`, [eventId]);
  /** What the live feed carried for the notification (ADR 0018: the feed, not an outbox event per notification). */
  const liveItems = async (notificationId: string): Promise<Array<Record<string, unknown>>> => {
    await tap.settled(svc.namespace, ds());
    return tap.of(notificationId);
  };

  beforeAll(async () => {
    const clock = new ManualClock(NOW);
    svc = await startTestService(notificationsMain, {
      module: (c) => AppModule.forRoot(c as NotificationsConfig, { clock, relay: false }),
    });
    tap = await LiveTap.open(svc.namespace);
    await eventually(async () => svc.app.get(LiveFeed).isForwarding);
    await queueReady(svc.namespace);
    await deliver(svc.namespace, ds(), envelope('identity.user.registered.v1', student), envelope('identity.user.registered.v1', tutor));
  });
  afterAll(async () => {
    await tap?.close();
    await svc?.close();
  });

  it('keeps the contacts of registered users and welcomes them', async () => {
    const contacts = await ds().query(`SELECT user_id, email, full_name, role FROM notifications.user_contacts ORDER BY role`);
    expect(contacts).toEqual([
      { user_id: S, email: student.email, full_name: student.fullName, role: 'student' },
      { user_id: T, email: tutor.email, full_name: tutor.fullName, role: 'tutor' },
    ]);
    const welcome = await ds().query(`SELECT user_id, kind, body FROM notifications.notifications WHERE kind = 'user.welcome' ORDER BY user_id`);
    expect(welcome.map((w: Row) => w.user_id).sort()).toEqual([S, T].sort());
    expect(welcome.find((w: Row) => w.user_id === T).body).toContain('tutor profile');
  });

  const b = parties();
  const cases: Array<[string, () => EventEnvelope, Array<[string, string]>, (rows: Row[]) => void]> = [
    [
      'booking requested → the tutor',
      () => envelope('bookings.booking.requested.v1', { ...b, subject: 'Mathematics', startsAt: STARTS, endsAt: ENDS, price, note: null }),
      [[T, 'booking.requested']],
      ([n]) => {
        expect(n.body).toBe(
          'Abebe Kebede asks for a Mathematics lesson on Thu 5 Mar 2026, 14:00 UTC (1 h) for ETB 1,500.00. Accept or decline it soon: unanswered requests expire.',
        );
        expect(n.data).toMatchObject({ bookingId: b.bookingId, studentId: S, price, startsAt: STARTS });
      },
    ],
    [
      'booking accepted → the student',
      () => envelope('bookings.booking.accepted.v1', { ...parties(), subject: 'Physics', startsAt: STARTS, endsAt: ENDS, price }),
      [[S, 'booking.accepted']],
      ([n]) => expect(n.body).toContain('Sara Tesfaye accepted your Physics lesson'),
    ],
    [
      'booking declined → the student',
      () => envelope('bookings.booking.declined.v1', { ...parties(), reason: 'Fully booked that week' }),
      [[S, 'booking.declined']],
      ([n]) => expect(n.body).toContain('“Fully booked that week”'),
    ],
    [
      'booking expired (not accepted) → both',
      () => envelope('bookings.booking.expired.v1', { ...parties(), reason: 'not_accepted', previousStatus: 'requested' }),
      [
        [S, 'booking.expired'],
        [T, 'booking.expired'],
      ],
      () => undefined,
    ],
    [
      'booking cancelled by the student → the tutor only',
      () =>
        envelope('bookings.booking.cancelled.v1', {
          ...parties(),
          cancelledBy: S,
          cancelledByRole: 'student',
          reason: null,
          refundBasisPoints: 5000,
          previousStatus: 'confirmed',
          startsAt: STARTS,
        }),
      [[T, 'booking.cancelled']],
      ([n]) => expect(n.body).toContain('Abebe Kebede cancelled the lesson'),
    ],
    [
      'booking cancelled by the tutor → the student only, with the refund',
      () =>
        envelope('bookings.booking.cancelled.v1', {
          ...parties(),
          cancelledBy: T,
          cancelledByRole: 'tutor',
          reason: 'Ill',
          refundBasisPoints: 10000,
          previousStatus: 'confirmed',
          startsAt: STARTS,
        }),
      [[S, 'booking.cancelled']],
      ([n]) => expect(n.body).toContain('100 % of your payment will be refunded'),
    ],
    [
      'booking cancelled by an admin → both',
      () =>
        envelope('bookings.booking.cancelled.v1', {
          ...parties(),
          cancelledBy: admin,
          cancelledByRole: 'admin',
          reason: null,
          refundBasisPoints: 10000,
          previousStatus: 'accepted',
          startsAt: STARTS,
        }),
      [
        [S, 'booking.cancelled'],
        [T, 'booking.cancelled'],
      ],
      (rows) => rows.forEach((n) => expect(n.body).toMatch(/^An administrator cancelled/)),
    ],
    [
      'booking confirmed → both',
      () => envelope('bookings.booking.confirmed.v1', { ...parties(), subject: 'Chemistry', startsAt: STARTS, endsAt: ENDS }),
      [
        [S, 'booking.confirmed'],
        [T, 'booking.confirmed'],
      ],
      () => undefined,
    ],
    [
      'booking completed → a rating request to both',
      () => envelope('bookings.booking.completed.v1', parties()),
      [
        [S, 'session.rating_requested'],
        [T, 'session.rating_requested'],
      ],
      (rows) => {
        expect(rows.find((r) => r.user_id === S)!.data.revieweeId).toBe(T);
        expect(rows.find((r) => r.user_id === T)!.data.revieweeId).toBe(S);
      },
    ],
    [
      'booking no-show (tutor absent) → both, each told their side',
      () => envelope('bookings.booking.no_show.v1', { ...parties(), absentParty: 'tutor' }),
      [
        [S, 'booking.no_show'],
        [T, 'booking.no_show'],
      ],
      (rows) => {
        expect(rows.find((r) => r.user_id === S)!.title).toBe('Your tutor did not attend');
        expect(rows.find((r) => r.user_id === T)!.title).toBe('You missed a lesson');
      },
    ],
    [
      'dispute opened → the tutor',
      () => envelope('bookings.dispute.opened.v1', { disputeId: randomUUID(), ...parties(), reason: 'Tutor left early' }),
      [[T, 'dispute.opened']],
      () => undefined,
    ],
    [
      'dispute resolved → both',
      () =>
        envelope('bookings.dispute.resolved.v1', {
          disputeId: randomUUID(),
          ...parties(),
          outcome: 'split',
          refundBasisPoints: 3000,
          resolvedBy: admin,
        }),
      [
        [S, 'dispute.resolved'],
        [T, 'dispute.resolved'],
      ],
      (rows) => {
        expect(rows.find((r) => r.user_id === S)!.body).toContain('30 % of your payment will be refunded');
        expect(rows.find((r) => r.user_id === T)!.body).toContain('70 % of the payment goes to you');
      },
    ],
    [
      'a dispute that reached the escrow after its release → the student, closed',
      () =>
        envelope('payments.escrow.freeze_rejected.v1', {
          escrowId: randomUUID(),
          ...parties(),
          disputeId: randomUUID(),
          escrowStatus: 'released',
          reason: 'already_released',
        }),
      [[S, 'dispute.closed']],
      ([n]) => expect(n.body).toContain('just after the payment was released to the tutor'),
    ],
    [
      'a new time proposed by the tutor → the student',
      () =>
        envelope('bookings.reschedule.proposed.v1', {
          proposalId: randomUUID(),
          ...parties(),
          proposedBy: T,
          startsAt: ENDS,
          endsAt: '2026-03-05T16:00:00.000Z',
          currentStartsAt: STARTS,
          expiresAt: '2026-03-02T10:00:00.000Z',
        }),
      [[S, 'booking.reschedule_proposed']],
      ([n]) => expect(n.body).toContain('Sara Tesfaye would like to move your lesson'),
    ],
    [
      'a proposed time declined by the student → the tutor who proposed it',
      () =>
        envelope('bookings.reschedule.declined.v1', {
          proposalId: randomUUID(),
          ...parties(),
          proposedBy: T,
          startsAt: ENDS,
          endsAt: '2026-03-05T16:00:00.000Z',
          declinedBy: S,
        }),
      [[T, 'booking.reschedule_declined']],
      ([n]) => expect(n.body).toContain('Abebe Kebede declined moving the lesson'),
    ],
    [
      'a proposed time nobody answered → the student who proposed it',
      () =>
        envelope('bookings.reschedule.expired.v1', { proposalId: randomUUID(), ...parties(), proposedBy: S, startsAt: ENDS, endsAt: '2026-03-05T16:00:00.000Z' }),
      [[S, 'booking.reschedule_expired']],
      ([n]) => expect(n.body).toContain('was not answered in time'),
    ],
    [
      'review submitted by the student → the tutor',
      () => envelope('bookings.review.submitted.v1', { reviewId: randomUUID(), ...parties(), authorId: S, revieweeId: T, rating: 5 }),
      [[T, 'review.received']],
      ([n]) => expect(n.body).toBe('Abebe Kebede rated your lesson 5 out of 5.'),
    ],
    [
      'payment succeeded → the student',
      () => envelope('payments.payment.succeeded.v1', { paymentId: randomUUID(), ...parties(), txRef: 'tx-1', amount: price }),
      [[S, 'payment.succeeded']],
      ([n]) => expect(n.body).toContain('ETB 1,500.00'),
    ],
    [
      'payment failed → the student',
      () => envelope('payments.payment.failed.v1', { paymentId: randomUUID(), ...parties(), txRef: 'tx-2', amount: price, reason: null }),
      [[S, 'payment.failed']],
      () => undefined,
    ],
    [
      'escrow held → the tutor',
      () => envelope('payments.escrow.held.v1', { escrowId: randomUUID(), ...parties(), amount: price }),
      [[T, 'escrow.held']],
      () => undefined,
    ],
    [
      'escrow release scheduled → both (the student learns the dispute window)',
      () =>
        envelope('payments.escrow.release_scheduled.v1', {
          escrowId: randomUUID(),
          ...parties(),
          amount: price,
          releaseAt: '2026-03-06T15:00:00.000Z',
        }),
      [
        [S, 'escrow.release_scheduled'],
        [T, 'escrow.release_scheduled'],
      ],
      (rows) => expect(rows.find((r) => r.user_id === S)!.body).toContain('open a dispute until then'),
    ],
    [
      'escrow released → the tutor',
      () =>
        envelope('payments.escrow.released.v1', {
          escrowId: randomUUID(),
          ...parties(),
          tutorAmount: { amountMinor: 127500, currency: 'ETB' },
          platformFee: { amountMinor: 22500, currency: 'ETB' },
        }),
      [[T, 'escrow.released']],
      ([n]) => {
        expect(n.body).toBe('ETB 1,275.00 was added to your wallet (platform fee ETB 225.00).');
        expect(n.data.tutorAmount).toEqual({ amountMinor: 127500, currency: 'ETB' });
      },
    ],
    [
      'escrow refunded → the student',
      () =>
        envelope('payments.escrow.refunded.v1', {
          escrowId: randomUUID(),
          ...parties(),
          refundAmount: { amountMinor: 75000, currency: 'ETB' },
          reason: 'cancelled_by_student',
        }),
      [[S, 'escrow.refunded']],
      ([n]) => expect(n.body).toContain('ETB 750.00'),
    ],
    [
      'payout requested → the tutor',
      () => envelope('payments.payout.requested.v1', { payoutId: randomUUID(), tutorId: T, amount: { amountMinor: 99, currency: 'USD' } }),
      [[T, 'payout.requested']],
      ([n]) => expect(n.body).toContain('USD 0.99'),
    ],
    [
      'payout succeeded → the tutor',
      () => envelope('payments.payout.succeeded.v1', { payoutId: randomUUID(), tutorId: T, amount: price }),
      [[T, 'payout.succeeded']],
      () => undefined,
    ],
    [
      'payout failed → the tutor',
      () => envelope('payments.payout.failed.v1', { payoutId: randomUUID(), tutorId: T, amount: price, reason: 'Bank rejected' }),
      [[T, 'payout.failed']],
      ([n]) => expect(n.body).toContain('The money is back in your wallet'),
    ],
    [
      'payout reversed by the bank → the tutor',
      () => envelope('payments.payout.reversed.v1', { payoutId: randomUUID(), tutorId: T, amount: price, reason: 'chapa_reversed' }),
      [[T, 'payout.reversed']],
      ([n]) => expect(n.body).toContain('The money is back in your wallet'),
    ],
    [
      'session started by the tutor → the student',
      () =>
        envelope('sessions.session.started.v1', {
          sessionId: randomUUID(),
          ...parties(),
          startedBy: T,
          channelName: 'tutorhub_abc',
          startedAt: STARTS,
        }),
      [[S, 'session.started']],
      ([n]) => expect(n.body).toBe('Sara Tesfaye started the session. Join now.'),
    ],
    [
      'session ended → both',
      () =>
        envelope('sessions.session.ended.v1', {
          sessionId: randomUUID(),
          ...parties(),
          endedBy: 'system',
          startedAt: STARTS,
          endedAt: '2026-03-05T14:55:00.000Z',
          durationSeconds: 3300,
          scheduledDurationSeconds: 3600,
          attendance: { studentJoinedAt: STARTS, tutorJoinedAt: STARTS },
          absentParty: null,
        }),
      [
        [S, 'session.ended'],
        [T, 'session.ended'],
      ],
      (rows) => expect(rows[0].body).toBe('The session ended after 55 min.'),
    ],
  ];

  it.each(cases)('%s', async (_name, make, expected, check) => {
    const e = make();
    await deliver(svc.namespace, ds(), e);
    const rows = await bySource(e.id);
    expect(rows.map((r) => [r.user_id, r.kind]).sort()).toEqual([...expected].sort());
    for (const row of rows) {
      expect(row.title.length).toBeGreaterThan(0);
      expect(row.body.length).toBeGreaterThan(0);
      // Exactly one live-feed item per notification, carrying what the gateway streams.
      const items = await liveItems(row.id);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ notificationId: row.id, userId: row.user_id, kind: row.kind, title: row.title, body: row.body });
    }
    check(rows);
  });

  it('tells the other participant who joined, but not that the starter joined', async () => {
    const p = parties();
    const sessionId = randomUUID();
    const started = envelope('sessions.session.started.v1', { sessionId, ...p, startedBy: S, channelName: 'tutorhub_x', startedAt: STARTS });
    const starterJoined = envelope('sessions.session.participant_joined.v1', { sessionId, ...p, userId: S, role: 'student', joinedAt: STARTS });
    const otherJoined = envelope('sessions.session.participant_joined.v1', { sessionId, ...p, userId: T, role: 'tutor', joinedAt: STARTS });
    await deliver(svc.namespace, ds(), started, starterJoined, otherJoined);
    expect((await bySource(started.id)).map((r) => [r.user_id, r.kind])).toEqual([[T, 'session.started']]);
    expect(await bySource(starterJoined.id)).toEqual([]);
    const joined = await bySource(otherJoined.id);
    expect(joined.map((r) => [r.user_id, r.kind, r.title])).toEqual([[S, 'session.participant_joined', 'Sara Tesfaye joined']]);
  });

  it('ignores a redelivered event and a re-publication of the same fact under a new event id', async () => {
    const p = parties();
    const data = { ...p, subject: 'Biology', startsAt: STARTS, endsAt: ENDS };
    const first = envelope('bookings.booking.confirmed.v1', data);
    const republished = envelope('bookings.booking.confirmed.v1', data);
    // Same booking, published last: handled after the others (per-booking order).
    const sentinel = envelope('bookings.booking.completed.v1', p);
    await publish(svc.namespace, first, first, republished, sentinel);
    await consumed(ds(), first, republished, sentinel);
    const [inbox] = await ds().query(`SELECT count(*)::int AS n FROM notifications.inbox WHERE event_id = $1`, [first.id]);
    expect(inbox.n).toBe(1);
    const rows = await ds().query(
      `SELECT id, user_id FROM notifications.notifications WHERE kind = 'booking.confirmed' AND data->>'bookingId' = $1`,
      [p.bookingId],
    );
    expect(rows).toHaveLength(2);
    expect(await bySource(republished.id)).toEqual([]);
    for (const r of rows) expect(await liveItems(r.id)).toHaveLength(1);
    // Reminders were scheduled once as well: 2 users × (24 h, 15 min).
    const [reminders] = await ds().query(`SELECT count(*)::int AS n FROM notifications.reminders WHERE booking_id = $1`, [p.bookingId]);
    expect(reminders.n).toBe(4);
  });

  it('does not consume payment.initiated (the student opened the checkout themselves)', async () => {
    const p = parties();
    const initiated = envelope('payments.payment.initiated.v1', { paymentId: randomUUID(), ...p, txRef: 'tx-3', amount: price });
    const sentinel = envelope('payments.payment.succeeded.v1', { paymentId: randomUUID(), ...p, txRef: 'tx-3', amount: price });
    await publish(svc.namespace, initiated, sentinel);
    await consumed(ds(), sentinel);
    const [row] = await ds().query(`SELECT count(*)::int AS n FROM notifications.inbox WHERE event_id = $1`, [initiated.id]);
    expect(row.n).toBe(0);
    expect(await bySource(initiated.id)).toEqual([]);
  });

  // The cross-service rule: whatever the broker does to events (late, twice, out of order, the
  // same fact re-published under a new id), each notification exists once and is streamed once.
  it('turns events arriving late, twice and out of order into each notification exactly once, streamed once', async () => {
    const p = parties();
    const slot = { subject: 'Chemistry', startsAt: STARTS, endsAt: ENDS };
    const late = (e: EventEnvelope): EventEnvelope => ({ ...e, occurredAt: new Date(Date.now() - 6 * 3600_000).toISOString() });
    const requested = envelope('bookings.booking.requested.v1', { ...p, ...slot, price, note: null });
    const accepted = envelope('bookings.booking.accepted.v1', { ...p, ...slot, price });
    const held = envelope('payments.escrow.held.v1', { escrowId: randomUUID(), ...p, amount: price });
    const confirmed = envelope('bookings.booking.confirmed.v1', { ...p, ...slot });
    const confirmedAgain = envelope('bookings.booking.confirmed.v1', { ...p, ...slot }); // the same fact, a new event id
    const completed = envelope('bookings.booking.completed.v1', p);
    // Completed first, then the rest backwards; late copies (6 h old) and exact duplicates mixed in.
    await publish(svc.namespace, completed, late(confirmed), held, accepted, late(requested), confirmed, requested, confirmedAgain, completed, held);
    await consumed(ds(), completed, confirmed, held, accepted, requested, confirmedAgain);

    const rows: Array<{ id: string; user_id: string; kind: string }> = await ds().query(
      `SELECT id, user_id, kind FROM notifications.notifications WHERE data->>'bookingId' = $1 ORDER BY seq`,
      [p.bookingId],
    );
    expect(rows.map((r) => `${r.kind}→${r.user_id}`).sort()).toEqual(
      [
        `booking.requested→${T}`,
        `booking.accepted→${S}`,
        `escrow.held→${T}`,
        `booking.confirmed→${S}`,
        `booking.confirmed→${T}`,
        `session.rating_requested→${S}`,
        `session.rating_requested→${T}`,
      ].sort(),
    );
    await tap.settled(svc.namespace, ds());
    for (const r of rows) expect(tap.of(r.id)).toHaveLength(1);
  });

  // Set-based (ADR 0022): the escrow events of a batch are told in one statement; the
  // notifications must be those of the events told one by one.
  it('tells many escrow events at once exactly as one by one: late, twice and a fact re-published under a new id included', async () => {
    const released = (bookingId: string, escrowId = randomUUID()) =>
      ({ escrowId, bookingId, studentId: S, tutorId: T, tutorAmount: { amountMinor: 127500, currency: 'ETB' as const }, platformFee: { amountMinor: 22500, currency: 'ETB' as const } });
    const [a, b, c] = [released(randomUUID()), released(randomUUID()), released(randomUUID())];
    const tell = svc.app.get(TellAboutEvent);
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const written = await ds().transaction((em) =>
      tell.handleMany(
        'payments.escrow.released.v1',
        [
          { d: a, sourceEventId: ids[0] },
          { d: b, sourceEventId: ids[1] },
          // The same fact as `a` under a new event id, in the same call: told once.
          { d: a, sourceEventId: ids[2] },
          { d: c, sourceEventId: ids[3] },
        ],
        em,
      ),
    );
    expect(written.map((w) => w.kind)).toEqual(['escrow.released', 'escrow.released', 'escrow.released']);
    // Late, in a later call, and one by one: nothing new.
    const again = await ds().transaction(async (em) => [
      ...(await tell.handleMany('payments.escrow.released.v1', [{ d: b, sourceEventId: randomUUID() }, { d: c, sourceEventId: randomUUID() }], em)),
      ...(await tell.handle('payments.escrow.released.v1', a, em, randomUUID())),
    ]);
    expect(again).toEqual([]);
    for (const [i, d] of [a, b, c].entries()) {
      const rows: Row[] = await ds().query(`SELECT id, user_id, kind, title, body, data FROM notifications.notifications WHERE dedupe_key = $1`, [
        `escrow.released:${d.escrowId}`,
      ]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: T, kind: 'escrow.released', title: 'Payment released' });
      // Each row names the event that told it.
      const [{ source }] = await ds().query(`SELECT source_event_id AS source FROM notifications.notifications WHERE id = $1`, [rows[0].id]);
      expect(source).toBe(ids[[0, 1, 3][i]]);
    }
    // Each is streamed once.
    await tap.settled(svc.namespace, ds());
    for (const w of written) expect(tap.of(w.id)).toHaveLength(1);
  });

  it('consumes released events published together, one of them twice, into one notification each', async () => {
    const events = Array.from({ length: 6 }, () =>
      envelope('payments.escrow.released.v1', {
        escrowId: randomUUID(),
        ...parties(),
        tutorAmount: { amountMinor: 127500, currency: 'ETB' },
        platformFee: { amountMinor: 22500, currency: 'ETB' },
      }),
    );
    await publish(svc.namespace, ...events, events[2]);
    await consumed(ds(), ...events);
    for (const e of events) {
      const rows = await bySource(e.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: T, kind: 'escrow.released' });
    }
  });

  it('tells only the types without reminders, sessions or contacts many at once', () => {
    expect(setBased('payments.escrow.released.v1')).toBe(true);
    expect(setBased('bookings.booking.confirmed.v1')).toBe(false);
    expect(setBased('sessions.session.participant_joined.v1')).toBe(false);
    expect(setBased('identity.user.registered.v1')).toBe(false);
  });

  it('announces a write too large for one NOTIFY by its seqs, and the forwarder still streams every row in order', async () => {
    const userId = randomUUID();
    const drafts = Array.from({ length: 12 }, (_, i) => ({
      userId,
      kind: 'payout.succeeded' as const,
      title: `Large ${i}`,
      body: `${'ሀ'.repeat(600)} ${i}`, // 3 bytes a character: about 1.8 kB each, 22 kB together
      data: { i },
      dedupeKey: `large:${userId}:${i}`,
    }));
    const written = await ds().transaction((em) => svc.app.get(NotificationWriter).write(em, drafts, null));
    expect(written).toHaveLength(12);
    await tap.settled(svc.namespace, ds());
    const streamed = tap.items.filter((i) => i.userId === userId);
    expect(streamed.map((i) => i.title)).toEqual(drafts.map((d) => d.title));
    expect(streamed.map((i) => i.seq)).toEqual(written.map((w) => w.seq));
    expect(streamed[3].body).toBe(drafts[3].body);
  });

  it('announces every notification exactly once on the live feed, in seq order, and no longer as an outbox event', async () => {
    const e = envelope('payments.payout.succeeded.v1', { payoutId: randomUUID(), tutorId: T, amount: price });
    await deliver(svc.namespace, ds(), e);
    const [n] = await bySource(e.id);
    await tap.settled(svc.namespace, ds());
    expect(tap.of(n.id)).toEqual([expect.objectContaining({ notificationId: n.id, userId: T, kind: 'payout.succeeded', seq: expect.stringMatching(/^\d+$/) })]);

    // Everything this service wrote since the tap opened: each exactly once, and each user's in
    // seq order (a user's notifications commit in seq order; different users' may interleave).
    const all: Array<{ id: string; user_id: string }> = await ds().query(`SELECT id, user_id FROM notifications.notifications ORDER BY seq`);
    expect(tap.items.map((i) => i.notificationId).sort()).toEqual(all.map((r) => r.id).sort());
    for (const userId of new Set(all.map((r) => r.user_id))) {
      expect(tap.items.filter((i) => i.userId === userId).map((i) => i.notificationId)).toEqual(all.filter((r) => r.user_id === userId).map((r) => r.id));
    }
    const [outbox] = await ds().query(`SELECT count(*)::int AS n FROM notifications.outbox WHERE type = 'notifications.notification.created.v1'`);
    expect(outbox.n).toBe(0);
  });
});
