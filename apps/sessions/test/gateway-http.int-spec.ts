import { randomUUID } from 'node:crypto';
import {
  sessionAccessResponseSchema,
  sessionEndResponseSchema,
  sessionStatusResponseSchema,
  type Actor,
} from '@tutorhub/contracts';
import { accessTokenFor, startGatewayProcess, startServiceProcess, type AppProcess } from '@tutorhub/testing';
import { decodeAccessToken2 } from '../src/agora/agora-token.decode';
import { participantUid } from '../src/domain/participant-uid';
import { APP_ID, MINUTE, confirmedBooking, countEvents, plus, startSessions, type SessionsHarness } from './support';

/**
 * The mobile app's routes end to end: the real gateway, started as its own process (HTTP in,
 * JWT auth, validation, problem+json), forwarding over RabbitMQ to the real sessions service
 * (in this process, with a ManualClock), on Postgres. Nothing imports the gateway's code.
 */

describe('session routes through the gateway (HTTP → gateway process → RPC → sessions)', () => {
  let h: SessionsHarness;
  let gateway: AppProcess | undefined;
  let bookings: AppProcess | undefined;
  let base: string;

  beforeAll(async () => {
    h = await startSessions({ services: ['sessions', 'gateway', 'bookings'] });
    // Bookings, the booking's owner, answers the gateway when sessions' copy lacks a booking
    // (read-your-writes): an outsider is a 404 because the owner says so too.
    [gateway, bookings] = await Promise.all([
      startGatewayProcess({ databaseUrl: h.svc.db.url, namespace: h.svc.namespace }),
      startServiceProcess('bookings', { databaseUrl: h.svc.db.url, namespace: h.svc.namespace }),
    ]);
    base = gateway.baseUrl;
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), bookings?.stop()]);
    await h?.svc.close();
  });

  async function http(method: 'GET' | 'POST', path: string, actor: Actor | null, json?: unknown) {
    const headers: Record<string, string> = {};
    if (actor) headers.authorization = `Bearer ${await accessTokenFor(actor, h.svc.db.url)}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  }

  it('start, status, join, token and end on the exact mobile paths, with tokens for each caller', async () => {
    const b = await confirmedBooking(h);
    const p = `/api/sessions/${b.bookingId}`;
    h.clock.set(plus(b.startsAt, -1 * MINUTE));

    const before = await http('GET', `${p}/status`, b.tutor);
    expect(before.status).toBe(200);
    expect(sessionStatusResponseSchema.parse(before.body)).toMatchObject({ canStart: true, session: null });

    const started = await http('POST', `${p}/start`, b.student);
    expect(started.status).toBe(200);
    const s = sessionAccessResponseSchema.parse(started.body);
    expect(s.session).toMatchObject({ bookingId: b.bookingId, status: 'active', startedBy: b.student.userId });
    expect(s.agora).toMatchObject({ appId: APP_ID, uid: participantUid(b.student.userId) });
    expect(decodeAccessToken2(s.agora.token).services.rtc?.uid).toBe(participantUid(b.student.userId));

    const joined = await http('POST', `${p}/join`, b.tutor, {});
    expect(joined.status).toBe(200);
    expect(sessionAccessResponseSchema.parse(joined.body).agora.uid).toBe(participantUid(b.tutor.userId));

    const renewed = await http('POST', `${p}/token`, b.tutor);
    expect(renewed.status).toBe(200);
    const r = sessionAccessResponseSchema.parse(renewed.body);
    expect(r.agora.expiresAt).toBe(plus(b.endsAt, 10 * MINUTE).toISOString());

    h.clock.set(plus(b.endsAt, -10 * MINUTE));
    const ended = await http('POST', `${p}/end`, b.tutor, { notes: 'Good progress' });
    expect(ended.status).toBe(200);
    expect(sessionEndResponseSchema.parse(ended.body).session).toMatchObject({
      status: 'ended',
      endedBy: b.tutor.userId,
      durationSeconds: 51 * 60,
      scheduledDurationSeconds: 3600,
      notes: 'Good progress',
    });
    const again = await http('POST', `${p}/end`, b.student);
    expect(again.status).toBe(200);
    expect(await countEvents(h, b.bookingId, 'sessions.session.ended.v1')).toBe(1);

    const refused = await http('POST', `${p}/join`, b.student);
    expect(refused.status).toBe(409);
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 409, code: 'session.already_ended' });
  });

  // Issue 16: the original app sends `sessionNotes`; an empty string means no notes.
  it('takes the original app’s sessionNotes for notes, refuses two different notes, and treats "" as none', async () => {
    const ends = async (body: Record<string, unknown>) => {
      const b = await confirmedBooking(h);
      h.clock.set(b.startsAt);
      expect((await http('POST', `/api/sessions/${b.bookingId}/start`, b.tutor)).status).toBe(200);
      expect((await http('POST', `/api/sessions/${b.bookingId}/join`, b.student)).status).toBe(200);
      h.clock.set(plus(b.startsAt, 30 * MINUTE));
      return http('POST', `/api/sessions/${b.bookingId}/end`, b.tutor, body);
    };
    const viaAppField = await ends({ sessionNotes: '  Fractions, chapter 4  ' });
    expect(viaAppField.status).toBe(200);
    expect(sessionEndResponseSchema.parse(viaAppField.body).session.notes).toBe('Fractions, chapter 4');
    expect((await ends({ notes: 'Same', sessionNotes: 'Same' })).body).toMatchObject({ session: { notes: 'Same' } });
    expect((await ends({ notes: '' })).body).toMatchObject({ session: { status: 'ended', notes: null } });
    const both = await ends({ notes: 'One thing', sessionNotes: 'Another' });
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path: 'sessionNotes' })] });
  });

  it('answers problems: 401 without a token, 403 for an admin, 404 for an outsider, 400 for bad input, 409 outside the window', async () => {
    const b = await confirmedBooking(h);
    const p = `/api/sessions/${b.bookingId}`;
    expect((await http('POST', `${p}/start`, null)).body).toMatchObject({ status: 401, code: 'auth.unauthenticated' });
    expect((await http('GET', `${p}/status`, { userId: randomUUID(), role: 'admin' })).body).toMatchObject({ status: 403, code: 'auth.forbidden_role' });

    const outsider = await http('POST', `${p}/start`, { userId: randomUUID(), role: 'student' });
    expect(outsider.status).toBe(404);
    expect(outsider.type).toMatch(/^application\/problem\+json/);
    expect(outsider.body).toMatchObject({ code: 'session.not_found' });

    expect((await http('POST', '/api/sessions/not-a-uuid/start', b.student)).body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await http('POST', `${p}/end`, b.student, { notes: 42 })).body).toMatchObject({ status: 400, code: 'validation_failed' });

    h.clock.set(plus(b.startsAt, -6 * MINUTE));
    const early = await http('POST', `${p}/start`, b.tutor);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      code: 'session.too_early',
      details: { canStartFrom: plus(b.startsAt, -5 * MINUTE).toISOString(), canStartUntil: plus(b.startsAt, 15 * MINUTE).toISOString() },
    });
    expect(await countEvents(h, b.bookingId, 'sessions.session.started.v1')).toBe(0);
  });
});
