import { randomUUID } from 'node:crypto';
import { auth, ok, problemOf, waitFor, type Schemas, type TutorhubClient } from './api-client';

/** What a step tells the reader (the demo prints it; tests ignore it or keep it for failures). */
export type Narrate = (step: string, detail?: Record<string, unknown>) => void;

export type Money = Schemas['Money'];
export interface Account {
  id: string;
  email: string;
  fullName: string;
  role: 'student' | 'tutor' | 'admin';
  token: string;
  refreshToken: string;
}
export type Booking = Schemas['Booking'];
export type PaymentView = Schemas['BookingPaymentView'];
export type SessionAnswer = Schemas['SessionAccessResponse'];
export type WalletView = Schemas['WalletView'];
export type NotificationList = Schemas['NotificationList'];

export interface JourneyContext {
  /** The typed API client (libs/client, generated from the OpenAPI document). */
  api: TutorhubClient;
  /** Base URL of the Chapa (sandbox) hosted checkout. */
  sandboxUrl: string;
  narrate?: Narrate;
  /** Unique suffix so repeated runs on one database never collide. */
  runId?: string;
}

const quiet: Narrate = () => undefined;

export async function register(ctx: JourneyContext, role: 'student' | 'tutor', name: string): Promise<Account> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${ctx.runId ?? randomUUID().slice(0, 8)}.${randomUUID().slice(0, 6)}@example.com`;
  const session = ok(await ctx.api.POST('/api/auth/register', { body: { email, password: 'correct horse battery staple', fullName: name, role } }), [201]);
  (ctx.narrate ?? quiet)(`${name} signs up as a ${role}`, { email });
  return { id: session.user.id, email, fullName: name, role, token: session.accessToken, refreshToken: session.refreshToken };
}

export async function login(ctx: JourneyContext, email: string, password: string): Promise<{ token: string; id: string }> {
  const session = ok(await ctx.api.POST('/api/auth/login', { body: { email, password } }), [200]);
  return { token: session.accessToken, id: session.user.id };
}

export async function setUpTutor(ctx: JourneyContext, tutor: Account, subject: string, hourlyRate: Money): Promise<void> {
  ok(
    await ctx.api.PUT('/api/tutors/me', {
      body: { headline: `${subject} tutor`, bio: `I teach ${subject}.`, subjects: [subject], hourlyRate, timezone: 'Africa/Addis_Ababa' },
      ...auth(tutor.token),
    }),
    [200],
  );
  (ctx.narrate ?? quiet)(`${tutor.fullName} publishes a profile`, { subject, hourlyRate });
}

export async function findTutor(ctx: JourneyContext, student: Account, subject: string, tutorId: string): Promise<void> {
  const found = await waitFor('the tutor to appear in search', async () => {
    const page = ok(await ctx.api.GET('/api/tutors', { params: { query: { subject } }, ...auth(student.token) }), [200]);
    return page.items.find((t) => t.id === tutorId);
  });
  (ctx.narrate ?? quiet)(`${student.fullName} searches for a ${subject} tutor and finds one`, { tutorId: found.id });
}

interface WeeklyRange {
  day: 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
  from: string;
  to: string;
}
interface Slots {
  timezone: string;
  durationMinutes: number;
  slots: Array<{ startsAt: string; endsAt: string }>;
}

const DAYS: WeeklyRange['day'][] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * Weekly hours covering the next `hours` hours in Addis Ababa (UTC+3 all year, no DST), starting
 * at the current quarter hour; split at local midnight into two ranges that join.
 */
export function hoursFromNowInAddis(now: Date, hours: number): WeeklyRange[] {
  const local = new Date(now.getTime() + 3 * 3_600_000);
  const day = local.getUTCDay();
  const from = Math.floor((local.getUTCHours() * 60 + local.getUTCMinutes()) / 15) * 15;
  const to = from + hours * 60;
  if (to <= 1440) return [{ day: DAYS[day], from: hhmm(from), to: hhmm(to) }];
  return [
    { day: DAYS[day], from: hhmm(from), to: '24:00' },
    { day: DAYS[(day + 1) % 7], from: '00:00', to: hhmm(to - 1440) },
  ];
}

export async function setWeeklyHours(ctx: JourneyContext, tutor: Account, timezone: string, weekly: WeeklyRange[]): Promise<void> {
  ok(await ctx.api.PUT('/api/tutors/me/availability', { body: { timezone, weekly }, ...auth(tutor.token) }), [200]);
  (ctx.narrate ?? quiet)(`${tutor.fullName} sets weekly hours (PUT /tutors/me/availability)`, { timezone, weekly });
}

export async function findSlots(ctx: JourneyContext, student: Account, tutor: Account, from: Date, to: Date, durationMinutes: number): Promise<Slots> {
  const slots = ok(
    await ctx.api.GET('/api/tutors/{id}/slots', {
      params: { path: { id: tutor.id }, query: { from: from.toISOString(), to: to.toISOString(), durationMinutes } },
      ...auth(student.token),
    }),
    [200],
  ) as Slots;
  (ctx.narrate ?? quiet)(`${student.fullName} looks at ${tutor.fullName}'s free ${durationMinutes}-minute slots (GET /tutors/:id/slots)`, {
    timezone: slots.timezone,
    slots: slots.slots.length,
    first: slots.slots.slice(0, 3).map((s) => s.startsAt),
  });
  return slots;
}

export async function book(ctx: JourneyContext, student: Account, tutor: Account, subject: string, startsAt: Date, durationMinutes = 60): Promise<Booking> {
  const booking = ok(
    await ctx.api.POST('/api/bookings', {
      body: { tutorId: tutor.id, subject, startsAt: startsAt.toISOString(), durationMinutes, note: 'Looking forward to it' },
      ...auth(student.token),
    }),
    [201],
  );
  (ctx.narrate ?? quiet)(`${student.fullName} requests a ${durationMinutes}-minute lesson`, { bookingId: booking.id, price: booking.price, status: booking.status });
  return booking;
}

export async function bookingStatus(ctx: JourneyContext, who: Account, bookingId: string): Promise<Booking> {
  return ok(await ctx.api.GET('/api/bookings/{id}', { params: { path: { id: bookingId } }, ...auth(who.token) }), [200]);
}

export async function waitForBookingStatus(ctx: JourneyContext, who: Account, bookingId: string, status: Booking['status']): Promise<Booking> {
  return waitFor(`booking ${bookingId} to be ${status}`, async () => {
    const b = await bookingStatus(ctx, who, bookingId);
    return b.status === status ? b : undefined;
  });
}

export async function accept(ctx: JourneyContext, tutor: Account, bookingId: string): Promise<Booking> {
  const booking = ok(await ctx.api.POST('/api/bookings/{id}/accept', { params: { path: { id: bookingId } }, ...auth(tutor.token) }), [200]);
  (ctx.narrate ?? quiet)(`${tutor.fullName} accepts`, { status: booking.status });
  return booking;
}

/** Opens the Chapa checkout and pays on the hosted page, as the student's browser would. */
export async function pay(ctx: JourneyContext, student: Account, bookingId: string): Promise<{ txRef: string }> {
  const init = await openCheckout(ctx, student, bookingId);
  const page = await fetch(init.checkoutUrl);
  const html = await page.text();
  if (!page.ok || !/Pay/i.test(html)) throw new Error(`checkout page did not load: ${page.status}`);
  const paid = await fetch(`${ctx.sandboxUrl}/checkout/${encodeURIComponent(init.txRef)}/pay`, { method: 'POST', redirect: 'manual' });
  if (paid.status >= 400) throw new Error(`sandbox refused the payment: ${paid.status} ${await paid.text()}`);
  (ctx.narrate ?? quiet)(`${student.fullName} pays on the Chapa checkout page`, { txRef: init.txRef, checkoutUrl: init.checkoutUrl });
  return { txRef: init.txRef };
}

/** Opens (or finds the open) Chapa checkout of an accepted booking: where to send the student's browser. */
export async function openCheckout(ctx: JourneyContext, student: Account, bookingId: string): Promise<{ txRef: string; checkoutUrl: string }> {
  // Right after `accept`, payments may not have heard of the booking yet: the server waits for
  // that (read-your-writes), so no retry on 404 here. Only a `*.not_ready` answer, which comes
  // with Retry-After, is asked again (see notReadyRetry).
  const init = ok(await notReadyRetry(() => ctx.api.POST('/api/bookings/{id}/payment', { params: { path: { id: bookingId } }, ...auth(student.token) })), [200, 201]);
  return { txRef: init.txRef, checkoutUrl: init.checkoutUrl };
}

export async function paymentView(ctx: JourneyContext, who: Account, bookingId: string): Promise<PaymentView> {
  return ok(await ctx.api.GET('/api/bookings/{id}/payment', { params: { path: { id: bookingId } }, ...auth(who.token) }), [200]);
}

export async function waitForEscrow(ctx: JourneyContext, who: Account, bookingId: string, status: NonNullable<PaymentView['escrow']>['status'], timeoutMs = 30000): Promise<PaymentView> {
  return waitFor(
    `escrow of ${bookingId} to be ${status}`,
    async () => {
      const v = await paymentView(ctx, who, bookingId);
      return v.escrow?.status === status ? v : undefined;
    },
    timeoutMs,
  );
}

export async function startSession(ctx: JourneyContext, who: Account, bookingId: string): Promise<SessionAnswer> {
  // The server waits for the confirmation to reach the sessions service (read-your-writes).
  return ok(await notReadyRetry(() => ctx.api.POST('/api/sessions/{bookingId}/start', { params: { path: { bookingId } }, ...auth(who.token) })), [200, 201]);
}

/**
 * A `409 *.not_ready` means the server waited for an event it depends on and it is still on its
 * way (docs/design.md §6): ask again after its Retry-After, a few times. Nothing else is retried: a 404
 * means the booking does not exist for this caller.
 */
async function notReadyRetry<A extends { response: Response; error?: unknown }>(send: () => Promise<A>, attempts = 5): Promise<A> {
  for (let i = 1; ; i++) {
    const answer = await send();
    const problem = problemOf(answer);
    if (problem?.status !== 409 || !problem.code?.endsWith('.not_ready') || i >= attempts) return answer;
    const retryAfter = Number(answer.response.headers.get('retry-after'));
    await new Promise((r) => setTimeout(r, Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 5) * 1000 : 1000));
  }
}

export async function joinSession(ctx: JourneyContext, who: Account, bookingId: string): Promise<SessionAnswer> {
  return ok(await ctx.api.POST('/api/sessions/{bookingId}/join', { params: { path: { bookingId } }, ...auth(who.token) }), [200, 201]);
}

export async function endSession(ctx: JourneyContext, who: Account, bookingId: string): Promise<Schemas['SessionEndResponse']> {
  return ok(await ctx.api.POST('/api/sessions/{bookingId}/end', { params: { path: { bookingId } }, body: { notes: 'Covered chapter 3.' }, ...auth(who.token) }), [200, 201]);
}

export async function wallet(ctx: JourneyContext, tutor: Account): Promise<WalletView> {
  return ok(await ctx.api.GET('/api/wallet', auth(tutor.token)), [200]);
}

export async function notifications(ctx: JourneyContext, who: Account): Promise<NotificationList> {
  return ok(await ctx.api.GET('/api/notifications', auth(who.token)), [200]);
}

export interface LessonOutcome {
  tutor: Account;
  student: Account;
  booking: Booking;
  start: SessionAnswer;
  join: SessionAnswer;
  releasedView: PaymentView;
  wallet: WalletView;
}

/**
 * The seed's complete story: sign-up, profile, search, book, accept, pay through the hosted
 * checkout, confirmed, start/join/end the video session, completed, escrow released after the
 * configured delay, and the tutor's wallet credited less the platform fee.
 */
export async function happyLesson(
  ctx: JourneyContext,
  names = { tutor: 'Abebe Kebede', student: 'Sara Tesfaye' },
  options: { availability?: boolean } = {},
): Promise<LessonOutcome> {
  const narrate = ctx.narrate ?? quiet;
  const subject = `physics-${ctx.runId ?? randomUUID().slice(0, 8)}`;
  const tutor = await register(ctx, 'tutor', names.tutor);
  const student = await register(ctx, 'student', names.student);
  await setUpTutor(ctx, tutor, subject, { amountMinor: 50000, currency: 'ETB' });
  await findTutor(ctx, student, subject, tutor.id);
  let startsAt = new Date(Date.now() + 60_000);
  if (options.availability) {
    // The tutor works the next four hours; the student sees the free slots and takes the first.
    await setWeeklyHours(ctx, tutor, 'Africa/Addis_Ababa', hoursFromNowInAddis(new Date(), 4));
    const now = new Date();
    const { slots } = await findSlots(ctx, student, tutor, now, new Date(now.getTime() + 4 * 3_600_000), 60);
    if (slots.length === 0) throw new Error('no free slot in the tutor’s hours');
    // Slots start on the quarter hour, so the first is at most 15 minutes away; `npm start`'s
    // development profile opens the session 15 minutes early, so the lesson can start at once.
    startsAt = new Date(slots[0].startsAt);
    narrate(`${student.fullName} picks the first free slot`, { startsAt: slots[0].startsAt, endsAt: slots[0].endsAt });
  }
  const booking = await book(ctx, student, tutor, subject, startsAt, 60);
  await accept(ctx, tutor, booking.id);
  await pay(ctx, student, booking.id);
  await waitForBookingStatus(ctx, student, booking.id, 'confirmed');
  const held = await waitForEscrow(ctx, student, booking.id, 'held');
  narrate('Chapa confirms; the money is held in escrow and the booking is confirmed', { escrow: held.escrow?.status });
  const start = await startSession(ctx, tutor, booking.id);
  narrate(`${tutor.fullName} starts the video session`, { channel: start.agora.channelName, uid: start.agora.uid });
  const join = await joinSession(ctx, student, booking.id);
  narrate(`${student.fullName} joins`, { uid: join.agora.uid, tokenExpiresAt: join.agora.expiresAt });
  await waitForBookingStatus(ctx, student, booking.id, 'in_progress');
  const ended = await endSession(ctx, tutor, booking.id);
  narrate('The lesson ends', { durationSeconds: ended.session.durationSeconds });
  await waitForBookingStatus(ctx, student, booking.id, 'completed');
  const scheduled = await waitForEscrow(ctx, student, booking.id, 'release_scheduled').catch(() => undefined);
  if (scheduled) narrate('Escrow release is scheduled after the dispute window', { releaseAt: scheduled.escrow?.releaseScheduledFor });
  const releasedView = await waitForEscrow(ctx, tutor, booking.id, 'released', 60000);
  const w = await waitFor('the tutor wallet to be credited', async () => {
    const v = await wallet(ctx, tutor);
    return v.available.amountMinor > 0 ? v : undefined;
  });
  narrate(`The escrow is released: ${tutor.fullName}'s wallet is credited, less the platform fee`, { available: w.available });
  return { tutor, student, booking, start, join, releasedView, wallet: w };
}
