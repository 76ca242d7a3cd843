import { randomUUID } from 'node:crypto';
import { BOOKINGS_RPC, availabilitySchema, createdTimeOffSchema, slotsSchema, timeOffPageSchema, type Actor } from '@tutorhub/contracts';
import { BookableTime } from '../src/shared/bookable-time';
import { HOUR, T0, bookingInput, call, createTutor, refusal, startBookings, student, type Harness } from './support/bookings-harness';

/**
 * Weekly hours, time off and slots (docs/design.md §3) through real RPC on the real bookings service,
 * Postgres and RabbitMQ, with BOOKING_BUFFER_MINUTES = 30 and the default notice (60 minutes, and
 * the 60-minute accept deadline). The clock starts at T0 = Monday 2030-01-07 08:00 UTC.
 */
describe('bookings: availability, time off and slots (real RPC, Postgres, RabbitMQ)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startBookings({ BOOKING_BUFFER_MINUTES: '30' });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => h.clock.set(T0));

  const at = (hours: number) => new Date(T0.getTime() + hours * HOUR).toISOString();
  const setHours = (t: Actor, timezone: string, weekly: Array<{ day: string; from: string; to: string }>) =>
    call(h, BOOKINGS_RPC.availabilitySetMe, { timezone, weekly }, t);
  const slotStarts = async (tutorId: string, from: string, to: string, durationMinutes: number, actor: Actor = student()) => {
    const res = slotsSchema.parse(await call(h, BOOKINGS_RPC.slots, { tutorId, from, to, durationMinutes }, actor));
    return res.slots.map((s) => s.startsAt);
  };
  const book = (tutorId: string, startsAt: string, durationMinutes = 60, s: Actor = student()) =>
    call(h, BOOKINGS_RPC.create, bookingInput(tutorId, { startsAt, durationMinutes }), s);

  describe('weekly hours', () => {
    it('stores the week sorted, shows it to any user, and says when hours were never set', async () => {
      const { actor: t } = await createTutor(h);
      const before = availabilitySchema.parse(await call(h, BOOKINGS_RPC.availabilityGet, { tutorId: t.userId }, student()));
      expect(before).toEqual({ tutorId: t.userId, configured: false, timezone: null, weekly: [], updatedAt: null });

      const saved = await setHours(t, 'africa/addis_ababa', [
        { day: 'sun', from: '22:00', to: '24:00' },
        { day: 'mon', from: '13:00', to: '15:00' },
        { day: 'mon', from: '09:00', to: '12:30' },
        { day: 'mon', from: '12:30', to: '13:00' },
      ]);
      const expected = {
        tutorId: t.userId,
        configured: true,
        timezone: 'Africa/Addis_Ababa',
        weekly: [
          { day: 'mon', from: '09:00', to: '12:30' },
          { day: 'mon', from: '12:30', to: '13:00' },
          { day: 'mon', from: '13:00', to: '15:00' },
          { day: 'sun', from: '22:00', to: '24:00' },
        ],
        updatedAt: T0.toISOString(),
      };
      expect(saved).toEqual(expected);
      expect(await call(h, BOOKINGS_RPC.availabilityGet, { tutorId: t.userId }, student())).toEqual(expected);

      // Replacing the week replaces it; an empty week is kept as "set, with no hours".
      expect((await setHours(t, 'UTC', [])).weekly).toEqual([]);
      expect(await call(h, BOOKINGS_RPC.availabilityGet, { tutorId: t.userId }, student())).toMatchObject({ configured: true, timezone: 'UTC', weekly: [] });
    });

    it('refuses overlapping ranges (naming them), off-grid or reversed times, unknown days and time zones', async () => {
      const { actor: t } = await createTutor(h);
      const overlap = await refusal(
        setHours(t, 'Europe/Berlin', [
          { day: 'mon', from: '09:00', to: '12:30' },
          { day: 'mon', from: '12:00', to: '14:00' },
        ]),
      );
      expect(overlap).toMatchObject({ status: 400, code: 'availability.overlapping_ranges', details: { overlaps: [{ range: 'mon 09:00–12:30', overlaps: 'mon 12:00–14:00' }] } });
      for (const weekly of [
        [{ day: 'mon', from: '09:10', to: '10:00' }],
        [{ day: 'mon', from: '10:00', to: '09:00' }],
        [{ day: 'mon', from: '10:00', to: '10:00' }],
        [{ day: 'mon', from: '24:00', to: '24:00' }],
        [{ day: 'monday', from: '09:00', to: '10:00' }],
        [{ day: 'mon', from: '9:00', to: '10:00' }],
        [{ day: 'mon', from: '09:00', to: '10:00', note: 'x' }],
      ]) {
        expect(await refusal(setHours(t, 'Europe/Berlin', weekly))).toMatchObject({ status: 400, code: 'validation_failed' });
      }
      for (const tz of ['Mars/Olympus', '+03:00', '']) {
        expect(await refusal(setHours(t, tz, []))).toMatchObject({ status: 400, code: 'validation_failed' });
      }
      // Nothing was stored by any refusal.
      expect((await call(h, BOOKINGS_RPC.availabilityGet, { tutorId: t.userId }, t)).configured).toBe(false);
    });

    it('is the tutor’s own: students 403, a tutor without a profile 409, an unknown tutor 404', async () => {
      expect(await refusal(setHours(student(), 'UTC', []))).toMatchObject({ status: 403, code: 'auth.forbidden_role' });
      const noProfile: Actor = { userId: randomUUID(), role: 'tutor' };
      expect(await refusal(setHours(noProfile, 'UTC', []))).toMatchObject({ status: 409, code: 'tutor.profile_required' });
      expect(await refusal(call(h, BOOKINGS_RPC.availabilityGet, { tutorId: randomUUID() }, student()))).toMatchObject({ status: 404, code: 'tutor.not_found' });
      expect(await refusal(call(h, BOOKINGS_RPC.availabilityGet, { tutorId: randomUUID() }, null))).toMatchObject({ status: 401 });
    });
  });

  describe('bookings against availability', () => {
    it('books inside the weekly hours, refuses outside them and in time off with 422 booking.outside_availability', async () => {
      // Addis Ababa is UTC+3: Wednesday 2030-01-09 09:00–12:00 local = 06:00–09:00 UTC.
      const { actor: t } = await createTutor(h);
      await setHours(t, 'Africa/Addis_Ababa', [{ day: 'wed', from: '09:00', to: '12:00' }]);
      expect(await book(t.userId, '2030-01-09T06:00:00.000Z', 180)).toMatchObject({ status: 'requested' });
      const outside = await refusal(book(t.userId, '2030-01-16T08:30:00.000Z', 60)); // 11:30–12:30 local
      expect(outside).toMatchObject({ status: 422, code: 'booking.outside_availability', details: { reason: 'outside_weekly_hours', timezone: 'Africa/Addis_Ababa' } });
      expect(await refusal(book(t.userId, '2030-01-10T06:00:00.000Z', 60))).toMatchObject({ status: 422, code: 'booking.outside_availability' }); // Thursday

      await call(h, BOOKINGS_RPC.timeOffCreate, { startsAt: '2030-01-16T00:00:00.000Z', endsAt: '2030-01-17T00:00:00.000Z', reason: 'Conference' }, t);
      const away = await refusal(book(t.userId, '2030-01-16T06:00:00.000Z', 60));
      expect(away).toMatchObject({ status: 422, code: 'booking.outside_availability', details: { reason: 'time_off' } });
      expect(await book(t.userId, '2030-01-23T06:00:00.000Z', 60)).toMatchObject({ status: 'requested' });
      const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM bookings.bookings WHERE tutor_id = $1`, [t.userId]);
      expect(n).toBe(2);
    });

    it('a tutor who never set hours stays bookable at any time (outside time off); one who set an empty week is not', async () => {
      const { actor: free } = await createTutor(h);
      expect(await book(free.userId, '2030-01-12T02:15:00.000Z', 45)).toMatchObject({ status: 'requested' });
      const { actor: closed } = await createTutor(h);
      await setHours(closed, 'UTC', []);
      expect(await refusal(book(closed.userId, '2030-01-12T02:15:00.000Z', 45))).toMatchObject({ status: 422, code: 'booking.outside_availability' });
      expect(await slotStarts(closed.userId, at(0), at(24 * 7), 15)).toEqual([]);
    });

    it('lets a lesson span windows that touch across midnight', async () => {
      const { actor: t } = await createTutor(h);
      await setHours(t, 'UTC', [
        { day: 'sun', from: '22:00', to: '24:00' },
        { day: 'mon', from: '00:00', to: '02:00' },
      ]);
      expect(await slotStarts(t.userId, '2030-01-13T00:00:00.000Z', '2030-01-14T12:00:00.000Z', 240)).toEqual(['2030-01-13T22:00:00.000Z']);
      expect(await book(t.userId, '2030-01-13T22:00:00.000Z', 240)).toMatchObject({ endsAt: '2030-01-14T02:00:00.000Z' });
    });

    it('keeps BOOKING_BUFFER_MINUTES free around a live booking (409 booking.slot_taken, reason buffer); a cancelled one frees it', async () => {
      const { actor: t } = await createTutor(h);
      const first = await book(t.userId, at(50)); // 10:00–11:00 on Wednesday
      expect(await refusal(book(t.userId, at(51.25)))).toMatchObject({ status: 409, code: 'booking.slot_taken', details: { reason: 'buffer', bufferMinutes: 30 } });
      expect(await refusal(book(t.userId, at(48.75)))).toMatchObject({ status: 409, code: 'booking.slot_taken', details: { reason: 'buffer' } });
      expect(await refusal(book(t.userId, at(50.5)))).toMatchObject({ status: 409, code: 'booking.slot_taken' });
      expect(await book(t.userId, at(51.5))).toMatchObject({ status: 'requested' });
      await call(h, BOOKINGS_RPC.cancel, { bookingId: first.id }, t);
      expect(await book(t.userId, at(49.25))).toMatchObject({ status: 'requested' });
    });

    it('two students racing for back-to-back times inside the buffer: exactly one wins', async () => {
      const { actor: t } = await createTutor(h);
      // Each pair overlaps or lies closer than the 30-minute buffer.
      const results = await Promise.allSettled([book(t.userId, at(60)), book(t.userId, at(60.5)), book(t.userId, at(59.5))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as { problem: unknown }).problem).toMatchObject({ status: 409, code: 'booking.slot_taken' });
    });
  });

  describe('slots', () => {
    it('leaves out live bookings widened by the buffer, the notice, and time off', async () => {
      const { actor: t } = await createTutor(h);
      // Never set hours: any time is open. A lesson 10:00–11:00 UTC on Monday 2030-01-14.
      await book(t.userId, '2030-01-14T10:00:00.000Z');
      const starts = await slotStarts(t.userId, '2030-01-14T08:00:00.000Z', '2030-01-14T14:00:00.000Z', 60);
      expect(starts).toEqual([
        '2030-01-14T08:00:00.000Z',
        '2030-01-14T08:15:00.000Z',
        '2030-01-14T08:30:00.000Z',
        '2030-01-14T11:30:00.000Z',
        '2030-01-14T11:45:00.000Z',
        '2030-01-14T12:00:00.000Z',
        '2030-01-14T12:15:00.000Z',
        '2030-01-14T12:30:00.000Z',
        '2030-01-14T12:45:00.000Z',
        '2030-01-14T13:00:00.000Z',
        '2030-01-14T13:15:00.000Z',
        '2030-01-14T13:30:00.000Z',
        '2030-01-14T13:45:00.000Z',
      ]);
      // Notice: now is 08:00, the earliest request is 09:00 (notice and accept deadline, 60 minutes each).
      h.clock.set('2030-01-14T08:05:00.000Z');
      expect((await slotStarts(t.userId, '2030-01-14T08:00:00.000Z', '2030-01-14T09:30:00.000Z', 15))[0]).toBe('2030-01-14T09:15:00.000Z');
      h.clock.set(T0);
      await call(h, BOOKINGS_RPC.timeOffCreate, { startsAt: '2030-01-14T12:10:00.000Z', endsAt: '2030-01-14T13:00:00.000Z' }, t);
      // 11:30 would now end inside the time off.
      expect(await slotStarts(t.userId, '2030-01-14T11:00:00.000Z', '2030-01-14T14:00:00.000Z', 60)).toEqual([
        '2030-01-14T13:00:00.000Z',
        '2030-01-14T13:15:00.000Z',
        '2030-01-14T13:30:00.000Z',
        '2030-01-14T13:45:00.000Z',
      ]);
      // Every slot listed is bookable.
      expect(await book(t.userId, '2030-01-14T13:15:00.000Z')).toMatchObject({ status: 'requested' });
    });

    it('follows Europe/Berlin across DST: the skipped spring hour has no slots, the repeated autumn hour is open twice', async () => {
      const { actor: skipped } = await createTutor(h, { timezone: 'Europe/Berlin' });
      await setHours(skipped, 'Europe/Berlin', [{ day: 'sun', from: '02:00', to: '03:00' }]);
      const { actor: across } = await createTutor(h, { timezone: 'Europe/Berlin' });
      await setHours(across, 'Europe/Berlin', [{ day: 'sun', from: '01:00', to: '04:00' }]);

      // Spring: Sunday 2030-03-31, 02:00 CET → 03:00 CEST at 01:00 UTC.
      const spring = ['2030-03-30T00:00:00.000Z', '2030-04-01T00:00:00.000Z'] as const;
      expect(await slotStarts(skipped.userId, ...spring, 15)).toEqual([]);
      expect(await slotStarts(skipped.userId, '2030-03-23T00:00:00.000Z', '2030-03-25T00:00:00.000Z', 60)).toEqual(['2030-03-24T01:00:00.000Z']); // CET
      expect(await slotStarts(skipped.userId, '2030-04-06T00:00:00.000Z', '2030-04-08T00:00:00.000Z', 60)).toEqual(['2030-04-07T00:00:00.000Z']); // CEST
      expect(await slotStarts(across.userId, ...spring, 60)).toEqual([
        '2030-03-31T00:00:00.000Z',
        '2030-03-31T00:15:00.000Z',
        '2030-03-31T00:30:00.000Z',
        '2030-03-31T00:45:00.000Z',
        '2030-03-31T01:00:00.000Z',
      ]);
      expect(await slotStarts(across.userId, ...spring, 180)).toEqual([]);
      expect(await refusal(book(skipped.userId, '2030-03-31T00:30:00.000Z', 60))).toMatchObject({ status: 422, code: 'booking.outside_availability' });
      expect(await book(across.userId, '2030-03-31T00:00:00.000Z', 120)).toMatchObject({ endsAt: '2030-03-31T02:00:00.000Z' });

      // Autumn: Sunday 2030-10-27, 03:00 CEST → 02:00 CET at 01:00 UTC (more than 180 days after T0: move the clock).
      h.clock.set('2030-10-01T00:00:00.000Z');
      const autumn = ['2030-10-26T00:00:00.000Z', '2030-10-28T00:00:00.000Z'] as const;
      expect(await slotStarts(skipped.userId, ...autumn, 120)).toEqual(['2030-10-27T00:00:00.000Z']);
      expect(await slotStarts(skipped.userId, ...autumn, 60)).toEqual([
        '2030-10-27T00:00:00.000Z',
        '2030-10-27T00:15:00.000Z',
        '2030-10-27T00:30:00.000Z',
        '2030-10-27T00:45:00.000Z',
        '2030-10-27T01:00:00.000Z',
      ]);
      // The second 02:00 (CET) is bookable as well as the first.
      expect(await book(skipped.userId, '2030-10-27T01:00:00.000Z', 60)).toMatchObject({ status: 'requested' });
      expect(await refusal(book(skipped.userId, '2030-10-27T02:00:00.000Z', 15))).toMatchObject({ status: 422, code: 'booking.outside_availability' });
    });

    it('answers in the tutor’s zone, the profile’s zone when hours were never set', async () => {
      const { actor: t } = await createTutor(h, { timezone: 'Asia/Tokyo' });
      const res = await call(h, BOOKINGS_RPC.slots, { tutorId: t.userId, from: at(2), to: at(3), durationMinutes: 30 }, student());
      expect(res).toMatchObject({ tutorId: t.userId, timezone: 'Asia/Tokyo', configured: false, durationMinutes: 30 });
      await setHours(t, 'Europe/Berlin', [{ day: 'mon', from: '08:00', to: '18:00' }]);
      expect(await call(h, BOOKINGS_RPC.slots, { tutorId: t.userId, from: at(2), to: at(3), durationMinutes: 30 }, student())).toMatchObject({
        timezone: 'Europe/Berlin',
        configured: true,
        slots: [
          { startsAt: at(2), endsAt: at(2.5) },
          { startsAt: at(2.25), endsAt: at(2.75) },
          { startsAt: at(2.5), endsAt: at(3) },
          { startsAt: at(2.75), endsAt: at(3.25) },
        ],
      });
    });

    it('refuses ranges over 31 days, reversed or missing parameters, bad durations (400) and unknown tutors (404)', async () => {
      const { actor: t } = await createTutor(h);
      const q = (over: Record<string, unknown>) => call(h, BOOKINGS_RPC.slots, { tutorId: t.userId, from: at(0), to: at(24), durationMinutes: 60, ...over }, student());
      expect((await q({ to: at(31 * 24) })).slots.length).toBeGreaterThan(0);
      for (const over of [
        { to: at(31 * 24 + 0.25) },
        { to: at(0) },
        { to: at(-1) },
        { durationMinutes: 50 },
        { durationMinutes: 0 },
        { durationMinutes: 300 },
        { durationMinutes: 'lots' },
        { from: 'tomorrow' },
        { from: undefined },
      ]) {
        expect(await refusal(q(over))).toMatchObject({ status: 400, code: 'validation_failed' });
      }
      expect(await refusal(q({ tutorId: randomUUID() }))).toMatchObject({ status: 404, code: 'tutor.not_found' });
    });
  });

  describe('time off', () => {
    it('creates (listing overlapping live bookings), lists, and deletes only the tutor’s own', async () => {
      const { actor: t } = await createTutor(h);
      const lesson = await book(t.userId, at(72));
      const created = createdTimeOffSchema.parse(
        await call(h, BOOKINGS_RPC.timeOffCreate, { startsAt: at(70), endsAt: at(80), reason: '  Family visit ' }, t),
      );
      expect(created).toMatchObject({
        tutorId: t.userId,
        startsAt: at(70),
        endsAt: at(80),
        reason: 'Family visit',
        createdAt: T0.toISOString(),
        conflictingBookings: [{ id: lesson.id, status: 'requested', studentId: lesson.studentId, subject: 'mathematics', startsAt: lesson.startsAt, endsAt: lesson.endsAt }],
      });
      // The existing booking stands; a new one inside the time off does not.
      expect((await call(h, BOOKINGS_RPC.get, { bookingId: lesson.id }, t)).status).toBe('requested');
      const later = await call(h, BOOKINGS_RPC.timeOffCreate, { startsAt: at(200), endsAt: at(210) }, t);
      expect(later).toMatchObject({ reason: null, conflictingBookings: [] });

      const page1 = timeOffPageSchema.parse(await call(h, BOOKINGS_RPC.timeOffList, { limit: 1 }, t));
      expect(page1.items.map((x) => x.id)).toEqual([created.id]);
      const page2 = await call(h, BOOKINGS_RPC.timeOffList, { limit: 1, cursor: page1.nextCursor }, t);
      expect(page2).toEqual({ items: [expect.objectContaining({ id: later.id })], nextCursor: null });

      // Another tutor sees none of it and cannot delete it.
      const { actor: other } = await createTutor(h);
      expect((await call(h, BOOKINGS_RPC.timeOffList, {}, other)).items).toEqual([]);
      expect(await refusal(call(h, BOOKINGS_RPC.timeOffDelete, { timeOffId: created.id }, other))).toMatchObject({ status: 404, code: 'time_off.not_found' });
      expect(await refusal(call(h, BOOKINGS_RPC.timeOffDelete, { timeOffId: created.id }, student()))).toMatchObject({ status: 403 });

      expect(await call(h, BOOKINGS_RPC.timeOffDelete, { timeOffId: created.id }, t)).toEqual({ deleted: true });
      expect(await refusal(call(h, BOOKINGS_RPC.timeOffDelete, { timeOffId: created.id }, t))).toMatchObject({ status: 404, code: 'time_off.not_found' });
      expect((await call(h, BOOKINGS_RPC.timeOffList, {}, t)).items.map((x) => x.id)).toEqual([later.id]);

      // Once over, time off leaves the list.
      h.clock.set(at(210));
      expect((await call(h, BOOKINGS_RPC.timeOffList, {}, t)).items).toEqual([]);
    });

    it('refuses reversed, past, over-long and far-off ranges, and callers who are not tutors with a profile', async () => {
      const { actor: t } = await createTutor(h);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ startsAt: at(10), endsAt: at(10) }, 'time_off.invalid_range'],
        [{ startsAt: at(10), endsAt: at(5) }, 'time_off.invalid_range'],
        [{ startsAt: at(-10), endsAt: at(0) }, 'time_off.in_the_past'],
        [{ startsAt: at(1), endsAt: at(1 + 367 * 24) }, 'time_off.too_long'],
        [{ startsAt: at(731 * 24), endsAt: at(732 * 24) }, 'time_off.too_far_ahead'],
        [{ startsAt: 'soon', endsAt: at(5) }, 'validation_failed'],
        [{ startsAt: at(1), endsAt: at(2), reason: 'x'.repeat(501) }, 'validation_failed'],
        [{ startsAt: at(1), endsAt: at(2), extra: true }, 'validation_failed'],
      ];
      for (const [input, code] of cases) {
        expect(await refusal(call(h, BOOKINGS_RPC.timeOffCreate, input, t))).toMatchObject({ status: 400, code });
      }
      // Starting in the past but not over yet is fine: "off from now until tomorrow".
      expect(await call(h, BOOKINGS_RPC.timeOffCreate, { startsAt: at(-2), endsAt: at(24) }, t)).toMatchObject({ startsAt: at(-2) });
      expect(await refusal(call(h, BOOKINGS_RPC.timeOffCreate, { startsAt: at(1), endsAt: at(2) }, student()))).toMatchObject({ status: 403 });
      const noProfile: Actor = { userId: randomUUID(), role: 'tutor' };
      expect(await refusal(call(h, BOOKINGS_RPC.timeOffCreate, { startsAt: at(1), endsAt: at(2) }, noProfile))).toMatchObject({
        status: 409,
        code: 'tutor.profile_required',
      });
      const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM bookings.time_off WHERE tutor_id = $1`, [t.userId]);
      expect(n).toBe(1);
    });
  });

  it('BookableTime.assertBookable (for reschedule): the booking being moved does not block itself', async () => {
    const { actor: t } = await createTutor(h);
    await setHours(t, 'UTC', [{ day: 'tue', from: '09:00', to: '13:00' }]);
    const lesson = await book(t.userId, '2030-01-08T10:00:00.000Z'); // Tuesday 10:00–11:00
    const store = h.svc.app.get(BookableTime);
    const check = (start: string, end: string, excludeBookingId?: string) =>
      h.ds.transaction((em) => store.assertBookable(em, t.userId, new Date(start), new Date(end), { excludeBookingId }));
    await expect(check('2030-01-08T10:30:00.000Z', '2030-01-08T11:30:00.000Z', lesson.id)).resolves.toBeUndefined();
    await expect(check('2030-01-08T11:00:00.000Z', '2030-01-08T12:00:00.000Z')).rejects.toMatchObject({ status: 409, code: 'booking.slot_taken' });
    await expect(check('2030-01-08T11:30:00.000Z', '2030-01-08T12:30:00.000Z')).resolves.toBeUndefined();
    await expect(check('2030-01-08T12:30:00.000Z', '2030-01-08T13:30:00.000Z', lesson.id)).rejects.toMatchObject({
      status: 422,
      code: 'booking.outside_availability',
      details: { reason: 'outside_weekly_hours' },
    });
  });

  it('the database refuses overlapping weekly ranges and reversed time off by itself', async () => {
    const { actor: t } = await createTutor(h);
    await setHours(t, 'UTC', [{ day: 'tue', from: '09:00', to: '12:00' }]);
    await expect(
      h.ds.query(`INSERT INTO bookings.availability_ranges (tutor_id, weekday, from_minute, to_minute) VALUES ($1, 2, 660, 780)`, [t.userId]),
    ).rejects.toThrow(/availability_ranges_no_overlap/);
    await expect(
      h.ds.query(`INSERT INTO bookings.availability_ranges (tutor_id, weekday, from_minute, to_minute) VALUES ($1, 3, 600, 610)`, [t.userId]),
    ).rejects.toThrow(/check/);
    await expect(
      h.ds.query(`INSERT INTO bookings.time_off (id, tutor_id, starts_at, ends_at, created_at) VALUES ($1, $2, $3, $3, $3)`, [randomUUID(), t.userId, T0]),
    ).rejects.toThrow(/time_off_order/);
  });
});
