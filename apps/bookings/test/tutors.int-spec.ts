import { randomUUID } from 'node:crypto';
import { BOOKINGS_RPC, type TutorProfile } from '@tutorhub/contracts';
import { T0, admin, call, createTutor, profileInput, refusal, startBookings, student, tutor, type Harness } from './support/bookings-harness';

describe('bookings: tutor profiles', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startBookings();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates and then replaces the caller’s own profile, normalising subjects and time zone', async () => {
    const t = tutor();
    const created = await call(
      h,
      BOOKINGS_RPC.tutorsUpsertMe,
      profileInput({ subjects: ['  Organic   Chemistry ', 'organic chemistry', 'Physics'], timezone: 'africa/addis_ababa' }),
      t,
    );
    expect(created).toEqual({
      id: t.userId,
      fullName: null,
      headline: 'Calculus and physics, exam ready',
      bio: 'Ten years of teaching.',
      subjects: ['organic chemistry', 'physics'],
      hourlyRate: { amountMinor: 150_000, currency: 'ETB' },
      timezone: 'Africa/Addis_Ababa',
      ratingAverage: null,
      ratingCount: 0,
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
    });
    h.clock.advance(60_000);
    try {
      const replaced = await call(h, BOOKINGS_RPC.tutorsUpsertMe, profileInput({ headline: 'New headline', hourlyRate: { amountMinor: 2500, currency: 'USD' } }), t);
      expect(replaced).toMatchObject({ headline: 'New headline', hourlyRate: { amountMinor: 2500, currency: 'USD' }, createdAt: T0.toISOString() });
      expect(replaced.updatedAt).toBe(new Date(T0.getTime() + 60_000).toISOString());
    } finally {
      h.clock.set(T0);
    }
    expect(await call(h, BOOKINGS_RPC.tutorsGet, { tutorId: t.userId }, student())).toMatchObject({ headline: 'New headline' });
  });

  it.each([
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }],
    ['a UTC offset instead of a zone', { timezone: '+03:00' }],
    ['an unsupported currency', { hourlyRate: { amountMinor: 100, currency: 'EUR' } }],
    ['a fractional rate', { hourlyRate: { amountMinor: 10.5, currency: 'ETB' } }],
    ['a rate of zero', { hourlyRate: { amountMinor: 0, currency: 'ETB' } }],
    ['no subjects', { subjects: [] }],
    ['a blank headline', { headline: '  ' }],
    ['an unknown field', { rating: 5 }],
  ])('answers 400 for %s', async (_what, over) => {
    expect(await refusal(call(h, BOOKINGS_RPC.tutorsUpsertMe, profileInput(over), tutor()))).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('lets only tutors have a profile', async () => {
    for (const actor of [student(), admin()]) {
      expect(await refusal(call(h, BOOKINGS_RPC.tutorsUpsertMe, profileInput(), actor))).toMatchObject({ status: 403, code: 'auth.forbidden_role' });
    }
    expect(await refusal(call(h, BOOKINGS_RPC.tutorsUpsertMe, profileInput(), null))).toMatchObject({ status: 401, code: 'auth.unauthenticated' });
  });

  it('answers 404 for a user without a profile, 401 without an actor', async () => {
    expect(await refusal(call(h, BOOKINGS_RPC.tutorsGet, { tutorId: randomUUID() }, student()))).toMatchObject({ status: 404, code: 'tutor.not_found' });
    expect(await refusal(call(h, BOOKINGS_RPC.tutorsGet, { tutorId: randomUUID() }, null))).toMatchObject({ status: 401 });
    expect(await refusal(call(h, BOOKINGS_RPC.tutorsSearch, {}, null))).toMatchObject({ status: 401 });
  });

  it('searches by subject, case-insensitively, page by page in a stable order with no repeats', async () => {
    const subject = `astronomy ${randomUUID().slice(0, 8)}`;
    const teaching: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { profile } = await createTutor(h, { subjects: [i % 2 ? subject.toUpperCase() : subject, 'physics'] });
      teaching.push(profile.id);
    }
    await createTutor(h, { subjects: ['history'] });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: TutorProfile[]; nextCursor: string | null } = await call(
        h,
        BOOKINGS_RPC.tutorsSearch,
        { subject: ` ${subject.toUpperCase()} `, limit: '3', ...(cursor ? { cursor } : {}) },
        student(),
      );
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    // All profiles were created at the same (manual) instant: the id breaks the tie.
    expect(seen).toEqual([...teaching].sort());
    const everyone = await call(h, BOOKINGS_RPC.tutorsSearch, { limit: 100 }, tutor());
    expect(everyone.items.length).toBeGreaterThanOrEqual(8);
  });

  it('refuses a cursor it did not hand out', async () => {
    expect(await refusal(call(h, BOOKINGS_RPC.tutorsSearch, { cursor: 'garbage' }, student()))).toMatchObject({
      status: 400,
      code: 'pagination.invalid_cursor',
    });
  });
});
