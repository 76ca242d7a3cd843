import { randomUUID } from 'node:crypto';
import { BOOKINGS_RPC } from '@tutorhub/contracts';
import { eventually, rawBroker } from '@tutorhub/testing';
import {
  admin,
  call,
  completedBooking,
  confirmedBooking,
  createTutor,
  deliver,
  envelope,
  expiryJob,
  handled,
  outboxEvents,
  outboxTypes,
  parties,
  publish,
  registerUser,
  requestedBooking,
  sessionEnded,
  startBookings,
  student,
  T0,
  type Harness,
} from './support/bookings-harness';
import { ApplyEscrowEvents } from '../src/apply-escrow-events/apply-escrow-events';

/**
 * Every event bookings consumes, published as a real envelope to the namespace's exchange (as the
 * producing service's relay would), and its effect read back through RPC and the outbox.
 */
describe('bookings: consumed events (real RabbitMQ + Postgres)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startBookings();
  });
  afterAll(async () => {
    await h?.close();
  });

  const get = (bookingId: string) => call(h, BOOKINGS_RPC.get, { bookingId }, admin());
  const started = (b: { id: string; studentId: string; tutorId: string; startsAt: string }) => ({
    sessionId: randomUUID(),
    bookingId: b.id,
    studentId: b.studentId,
    tutorId: b.tutorId,
    startedBy: b.tutorId,
    channelName: `tutorhub-${b.id}`,
    startedAt: b.startsAt,
  });

  describe('identity.user.registered.v1', () => {
    it('fills the users read model; a duplicate, and a registration that arrives after the user acted, are fine', async () => {
      const { actor: t, profile } = await createTutor(h);
      expect(profile.fullName).toBeNull();
      const e = await deliver(h, 'identity.user.registered.v1', { userId: t.userId, role: 'tutor', email: 't@example.test', fullName: 'Tigist Tutor' });
      await publish(h, e);
      const again = await deliver(h, 'identity.user.registered.v1', { userId: t.userId, role: 'tutor', email: 't@example.test', fullName: 'Tigist Tutor' });
      expect(again.id).not.toBe(e.id);
      const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM bookings.users WHERE id = $1`, [t.userId]);
      expect(n).toBe(1);
      expect((await call(h, BOOKINGS_RPC.tutorsGet, { tutorId: t.userId }, student())).fullName).toBe('Tigist Tutor');
    });

    it('keeps a user registered as a student from having a tutor profile', async () => {
      const s = student();
      await registerUser(h, s, 'Sam Student');
      const impostor = { userId: s.userId, role: 'tutor' as const };
      const problem = await call(h, BOOKINGS_RPC.tutorsUpsertMe, { headline: 'x', bio: '', subjects: ['math'], hourlyRate: { amountMinor: 100, currency: 'ETB' }, timezone: 'UTC' }, impostor).catch(
        (e) => e.problem,
      );
      expect(problem).toMatchObject({ status: 403, code: 'tutor.not_a_tutor' });
    });
  });

  describe('payments.escrow.held.v1', () => {
    it('confirms an accepted booking and emits confirmed exactly once, whatever the duplicates', async () => {
      const { tutor: t, booking } = await requestedBooking(h);
      await call(h, BOOKINGS_RPC.accept, { bookingId: booking.id }, t);
      const held = { escrowId: randomUUID(), ...parties(booking), amount: booking.price };
      const first = await deliver(h, 'payments.escrow.held.v1', held);
      expect(await get(booking.id)).toMatchObject({ status: 'confirmed', moneyStatus: 'held', confirmedAt: expect.any(String) });
      // The very same message again (inbox), and the same fact under a new id (state).
      await publish(h, first);
      await deliver(h, 'payments.escrow.held.v1', held);
      const events = await outboxEvents(h, booking.id);
      expect(events.map((e) => e.type)).toEqual([
        'bookings.booking.requested.v1',
        'bookings.booking.accepted.v1',
        'bookings.booking.confirmed.v1',
      ]);
      expect(events[2]!.data).toEqual({ ...parties(booking), subject: booking.subject, startsAt: booking.startsAt, endsAt: booking.endsAt, slotSequence: 0 });
      const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM bookings.inbox WHERE event_id = $1`, [first.id]);
      expect(n).toBe(1);
      expect((await get(booking.id)).version).toBe(3);
    });

    it.each(['cancelled', 'expired'] as const)('leaves a booking %s meanwhile as it is (payments refunds by itself)', async (end) => {
      const { tutor: t, student: s, booking } = await requestedBooking(h);
      await call(h, BOOKINGS_RPC.accept, { bookingId: booking.id }, t);
      if (end === 'cancelled') {
        await call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, s);
      } else {
        h.clock.set(new Date(Date.parse(booking.paymentDeadline) + 1));
        try {
          await expiryJob(h).runOnce();
        } finally {
          h.clock.set(T0);
        }
      }
      await deliver(h, 'payments.escrow.held.v1', { escrowId: randomUUID(), ...parties(booking), amount: booking.price });
      expect(await get(booking.id)).toMatchObject({ status: end, moneyStatus: 'held' });
      expect(await outboxTypes(h, booking.id)).not.toContain('bookings.booking.confirmed.v1');
    });

    it('ignores an escrow for a booking it never had', async () => {
      const bookingId = randomUUID();
      await deliver(h, 'payments.escrow.held.v1', {
        escrowId: randomUUID(),
        bookingId,
        studentId: randomUUID(),
        tutorId: randomUUID(),
        amount: { amountMinor: 100, currency: 'ETB' },
      });
      expect(await outboxTypes(h, bookingId)).toEqual([]);
    });
  });

  describe('sessions events', () => {
    it('session.started: confirmed → in_progress, once', async () => {
      const { booking } = await confirmedBooking(h);
      const data = started(booking);
      const e = await deliver(h, 'sessions.session.started.v1', data);
      const after = await get(booking.id);
      expect(after).toMatchObject({ status: 'in_progress', sessionStartedAt: booking.startsAt });
      await publish(h, e);
      await deliver(h, 'sessions.session.started.v1', data);
      expect((await get(booking.id)).version).toBe(after.version);
    });

    it('session.ended with both present: in_progress → completed and one completed event', async () => {
      const { booking } = await confirmedBooking(h);
      const s = started(booking);
      await deliver(h, 'sessions.session.started.v1', s);
      const ended = sessionEnded(booking, s.sessionId, null);
      const e = await deliver(h, 'sessions.session.ended.v1', ended);
      await publish(h, e);
      await deliver(h, 'sessions.session.ended.v1', ended);
      expect(await get(booking.id)).toMatchObject({ status: 'completed', sessionEndedAt: booking.endsAt });
      const types = await outboxTypes(h, booking.id);
      expect(types.filter((t) => t === 'bookings.booking.completed.v1')).toHaveLength(1);
      expect((await outboxEvents(h, booking.id)).at(-1)).toEqual({ type: 'bookings.booking.completed.v1', data: parties(booking) });
    });

    it.each(['student', 'tutor'] as const)('session.ended with the %s absent: no_show naming the absent party', async (absent) => {
      const { booking } = await confirmedBooking(h);
      const s = started(booking);
      await deliver(h, 'sessions.session.started.v1', s);
      await deliver(h, 'sessions.session.ended.v1', sessionEnded(booking, s.sessionId, absent));
      await deliver(h, 'sessions.session.ended.v1', sessionEnded(booking, s.sessionId, absent));
      expect(await get(booking.id)).toMatchObject({ status: 'no_show', absentParty: absent });
      const noShows = (await outboxEvents(h, booking.id)).filter((e) => e.type === 'bookings.booking.no_show.v1');
      expect(noShows).toEqual([{ type: 'bookings.booking.no_show.v1', data: { ...parties(booking), absentParty: absent } }]);
    });

    it('session.ended that overtook its session.started still completes the booking; the late start changes nothing', async () => {
      const { booking } = await confirmedBooking(h);
      const s = started(booking);
      await deliver(h, 'sessions.session.ended.v1', sessionEnded(booking, s.sessionId, null));
      expect(await get(booking.id)).toMatchObject({ status: 'completed', sessionStartedAt: booking.startsAt, sessionEndedAt: booking.endsAt });
      await deliver(h, 'sessions.session.started.v1', s);
      expect((await get(booking.id)).status).toBe('completed');
      expect((await outboxTypes(h, booking.id)).filter((t) => t === 'bookings.booking.completed.v1')).toHaveLength(1);
    });

    it('session.missed: confirmed → no_show (both), once; ignored for a booking that started', async () => {
      const { booking } = await confirmedBooking(h);
      const missed = { ...parties(booking), absentParty: 'both' as const };
      const e = await deliver(h, 'sessions.session.missed.v1', missed);
      await publish(h, e);
      await deliver(h, 'sessions.session.missed.v1', missed);
      expect(await get(booking.id)).toMatchObject({ status: 'no_show', absentParty: 'both' });
      expect((await outboxTypes(h, booking.id)).filter((t) => t === 'bookings.booking.no_show.v1')).toHaveLength(1);

      const other = await confirmedBooking(h);
      await deliver(h, 'sessions.session.started.v1', started(other.booking));
      await deliver(h, 'sessions.session.missed.v1', { ...parties(other.booking), absentParty: 'both' });
      expect((await get(other.booking.id)).status).toBe('in_progress');
    });

    it('ignores session events for a booking that is not confirmed (e.g. cancelled)', async () => {
      const { tutor: t, booking } = await requestedBooking(h);
      await call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, t);
      await deliver(h, 'sessions.session.started.v1', started(booking));
      await deliver(h, 'sessions.session.missed.v1', { ...parties(booking), absentParty: 'both' });
      expect((await get(booking.id)).status).toBe('cancelled');
      expect(await outboxTypes(h, booking.id)).toEqual(['bookings.booking.requested.v1', 'bookings.booking.cancelled.v1']);
    });
  });

  describe('escrow release and refund', () => {
    it('release_scheduled then released: money status follows, and a released escrow closes the dispute window', async () => {
      const { student: s, escrowId, booking } = await completedBooking(h);
      await deliver(h, 'payments.escrow.release_scheduled.v1', { escrowId, ...parties(booking), amount: booking.price, releaseAt: booking.endsAt });
      expect((await get(booking.id)).moneyStatus).toBe('release_scheduled');
      const fee = Math.round(booking.price.amountMinor * 0.15);
      const released = {
        escrowId,
        ...parties(booking),
        tutorAmount: { amountMinor: booking.price.amountMinor - fee, currency: booking.price.currency },
        platformFee: { amountMinor: fee, currency: booking.price.currency },
      };
      const e = await deliver(h, 'payments.escrow.released.v1', released);
      await publish(h, e);
      await handled(h, e.id);
      expect((await get(booking.id)).moneyStatus).toBe('released');
      const [{ released_minor }] = await h.ds.query(`SELECT released_minor FROM bookings.bookings WHERE id = $1`, [booking.id]);
      expect(Number(released_minor)).toBe(booking.price.amountMinor);
      // A late release_scheduled does not move the money back.
      await deliver(h, 'payments.escrow.release_scheduled.v1', { escrowId, ...parties(booking), amount: booking.price, releaseAt: booking.endsAt });
      expect((await get(booking.id)).moneyStatus).toBe('released');
      const problem = await call(h, BOOKINGS_RPC.dispute, { bookingId: booking.id, reason: 'Tutor left early' }, s).catch((err) => err.problem);
      expect(problem).toMatchObject({ status: 409, code: 'dispute.window_closed' });
    });

    it('refunded after a cancellation of a confirmed booking; half and half is a partial refund', async () => {
      const { student: s, escrowId, booking } = await confirmedBooking(h);
      h.clock.set(new Date(Date.parse(booking.startsAt) - 5 * 3_600_000));
      try {
        const cancelled = await call(h, BOOKINGS_RPC.cancel, { bookingId: booking.id }, s);
        expect(cancelled.cancellation?.refundBasisPoints).toBe(5000);
      } finally {
        h.clock.set(T0);
      }
      const half = booking.price.amountMinor / 2;
      await deliver(h, 'payments.escrow.refunded.v1', {
        escrowId,
        ...parties(booking),
        refundAmount: { amountMinor: half, currency: booking.price.currency },
        reason: 'cancelled',
      });
      expect((await get(booking.id)).moneyStatus).toBe('refunded');
      await deliver(h, 'payments.escrow.released.v1', {
        escrowId,
        ...parties(booking),
        tutorAmount: { amountMinor: half - 100, currency: booking.price.currency },
        platformFee: { amountMinor: 100, currency: booking.price.currency },
      });
      expect(await get(booking.id)).toMatchObject({ status: 'cancelled', moneyStatus: 'partially_refunded' });
    });
  });

  describe('escrow events many at once (set-based, ADR 0022)', () => {
    const fee = (b: { price: { amountMinor: number } }) => Math.round(b.price.amountMinor * 0.15);
    const releasedOf = (escrowId: string, b: Parameters<typeof parties>[0] & { price: { amountMinor: number; currency: 'ETB' | 'USD' } }) => ({
      escrowId,
      ...parties(b),
      tutorAmount: { amountMinor: b.price.amountMinor - fee(b), currency: b.price.currency },
      platformFee: { amountMinor: fee(b), currency: b.price.currency },
    });
    const row = async (id: string) => {
      const [r] = await h.ds.query(`SELECT money_status, released_minor::int AS released, refunded_minor::int AS refunded, version FROM bookings.bookings WHERE id = $1`, [id]);
      return r as { money_status: string; released: number; refunded: number; version: number };
    };
    const apply = () => h.svc.app.get(ApplyEscrowEvents);

    it('one call has the effect of the per-event steps: late, repeated and unknown events included', async () => {
      const scheduled = await completedBooking(h);
      await deliver(h, 'payments.escrow.release_scheduled.v1', { escrowId: scheduled.escrowId, ...parties(scheduled.booking), amount: scheduled.booking.price, releaseAt: scheduled.booking.endsAt });
      const already = await completedBooking(h);
      await deliver(h, 'payments.escrow.released.v1', releasedOf(already.escrowId, already.booking));
      const refunded = await completedBooking(h);
      await deliver(h, 'payments.escrow.refunded.v1', { escrowId: refunded.escrowId, ...parties(refunded.booking), refundAmount: { amountMinor: 1000, currency: refunded.booking.price.currency }, reason: 'dispute' });
      const twice = await completedBooking(h);
      const before = {
        scheduled: await row(scheduled.booking.id),
        already: await row(already.booking.id),
        refunded: await row(refunded.booking.id),
        twice: await row(twice.booking.id),
      };

      await h.ds.transaction((em) =>
        apply().releasedMany(em, [
          releasedOf(scheduled.escrowId, scheduled.booking),
          // Late: the same fact again under a new id changes nothing, not even the version.
          releasedOf(already.escrowId, already.booking),
          releasedOf(refunded.escrowId, refunded.booking),
          // A booking we never had: logged and skipped, the others still apply.
          releasedOf(randomUUID(), { ...parties(twice.booking), bookingId: randomUUID(), price: twice.booking.price } as never),
          // One booking twice in one call (two ids, one fact): applied once, in order.
          releasedOf(twice.escrowId, twice.booking),
          releasedOf(twice.escrowId, twice.booking),
        ]),
      );

      expect(await row(scheduled.booking.id)).toEqual({ money_status: 'released', released: scheduled.booking.price.amountMinor, refunded: 0, version: before.scheduled.version + 1 });
      expect(await row(already.booking.id)).toEqual(before.already);
      expect(await row(refunded.booking.id)).toEqual({
        money_status: 'partially_refunded',
        released: refunded.booking.price.amountMinor,
        refunded: 1000,
        version: before.refunded.version + 1,
      });
      expect(await row(twice.booking.id)).toEqual({ money_status: 'released', released: twice.booking.price.amountMinor, refunded: 0, version: before.twice.version + 1 });

      // Out of order: release_scheduled after the release, many at once, moves nothing back.
      await h.ds.transaction((em) =>
        apply().releaseScheduledMany(em, [
          { escrowId: scheduled.escrowId, ...parties(scheduled.booking), amount: scheduled.booking.price, releaseAt: scheduled.booking.endsAt },
          { escrowId: twice.escrowId, ...parties(twice.booking), amount: twice.booking.price, releaseAt: twice.booking.endsAt },
        ]),
      );
      expect((await row(scheduled.booking.id)).money_status).toBe('released');
      expect((await row(twice.booking.id)).version).toBe(before.twice.version + 1);
    });

    it('released events published together, one of them twice, are applied once each', async () => {
      const lessons = await Promise.all([completedBooking(h), completedBooking(h), completedBooking(h), completedBooking(h)]);
      const events = lessons.map((l) => envelope('payments.escrow.released.v1', releasedOf(l.escrowId, l.booking)));
      const versions = await Promise.all(lessons.map((l) => row(l.booking.id)));
      await publish(h, ...events, events[1]);
      for (const e of events) await handled(h, e.id);
      // And once more, late, after they were handled; an event about the same booking behind
      // it (its per-key turn comes after the copy's) says when the copy is through.
      await publish(h, events[2]);
      await deliver(h, 'payments.escrow.release_scheduled.v1', { escrowId: lessons[2].escrowId, ...parties(lessons[2].booking), amount: lessons[2].booking.price, releaseAt: lessons[2].booking.endsAt });
      for (const [i, l] of lessons.entries()) {
        expect(await row(l.booking.id)).toEqual({ money_status: 'released', released: l.booking.price.amountMinor, refunded: 0, version: versions[i].version + 1 });
      }
    });
  });

  it('dead-letters an event whose data breaks the catalogue, without touching any booking', async () => {
    const { booking } = await confirmedBooking(h);
    const bad = envelope('sessions.session.started.v1', { ...started(booking), channelName: '' });
    await publish(h, bad);
    await eventually(async () => {
      const conn = await rawBroker();
      try {
        const ch = await conn.createChannel();
        const { messageCount } = await ch.checkQueue(`${h.namespace}.bookings.events.dlq`);
        return messageCount >= 1;
      } finally {
        await conn.close();
      }
    });
    expect((await get(booking.id)).status).toBe('confirmed');
  });
});
