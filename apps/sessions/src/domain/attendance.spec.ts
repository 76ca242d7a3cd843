import {
  absentParty,
  attendanceSummary,
  authorizeToken,
  durationSeconds,
  endSession,
  joinSession,
  NO_ATTENDANCE,
  roleOf,
  startSession,
  SYSTEM_ACTOR,
  type ActiveSession,
  type EndedSession,
  type SessionState,
  type TokenRequest,
} from './attendance';
import { SESSION_ERROR_CODES } from './session-errors';

const at = (iso: string): Date => new Date(iso);
const STUDENT = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const TUTOR = '0f8fad5b-d9cb-469f-a165-70867728950e';
const STRANGER = '9b2d3c4e-1111-4222-8333-444455556666';
const participants = { studentId: STUDENT, tutorId: TUTOR };
const t0 = at('2030-03-04T09:58:00.000Z');
const t1 = at('2030-03-04T10:01:30.000Z');
const t2 = at('2030-03-04T10:59:00.000Z');

/** Unwraps an accepted outcome; fails the test with the refusal code otherwise. */
function ok<T>(outcome: { ok: true; value: T } | { ok: false; code: string }): T {
  if (!outcome.ok) throw new Error(`expected acceptance, got ${outcome.code}`);
  return outcome.value;
}

const startedByStudent = (): ActiveSession => ok(startSession(participants, null, STUDENT, t0)).session;

describe('absentParty', () => {
  it.each([
    [null, null, 'both'],
    [t0, null, 'tutor'],
    [null, t0, 'student'],
    [t0, t1, null],
  ])('student joined %s, tutor joined %s → %s', (studentJoinedAt, tutorJoinedAt, absent) => {
    expect(absentParty({ studentJoinedAt, tutorJoinedAt })).toBe(absent);
  });
});

describe('durationSeconds', () => {
  it.each([
    ['0 ms', '2030-03-04T10:00:00.000Z', 0],
    ['999 ms', '2030-03-04T10:00:00.999Z', 0],
    ['59.999 s', '2030-03-04T10:00:59.999Z', 59],
    ['1 h', '2030-03-04T11:00:00.000Z', 3600],
    ['an end before the start', '2030-03-04T09:59:00.000Z', 0],
  ])('%s → %d whole seconds', (_label, end, seconds) => {
    expect(durationSeconds(at('2030-03-04T10:00:00.000Z'), at(end))).toBe(seconds);
  });

  it('refuses invalid dates', () => {
    expect(() => durationSeconds(new Date(Number.NaN), t0)).toThrow(RangeError);
  });
});

describe('roleOf', () => {
  it('finds the student and the tutor, whatever the case of the id', () => {
    expect(roleOf(participants, STUDENT)).toBe('student');
    expect(roleOf(participants, TUTOR.toUpperCase())).toBe('tutor');
    expect(roleOf(participants, STRANGER)).toBeNull();
    expect(roleOf(participants, SYSTEM_ACTOR)).toBeNull();
  });
});

describe('startSession', () => {
  it('creates an active session; the starter counts as joined', () => {
    expect(startSession(participants, null, STUDENT, t0)).toEqual({
      ok: true,
      value: {
        session: { status: 'active', startedBy: STUDENT, startedAt: t0, attendance: { studentJoinedAt: t0, tutorJoinedAt: null } },
        created: true,
        firstJoin: true,
      },
    });
    expect(ok(startSession(participants, null, TUTOR, t0)).session.attendance).toEqual({
      studentJoinedAt: null,
      tutorJoinedAt: t0,
    });
  });

  it('when the other party already started it, joins instead (both pressed start)', () => {
    const result = ok(startSession(participants, startedByStudent(), TUTOR, t1));
    expect(result).toEqual({
      session: { status: 'active', startedBy: STUDENT, startedAt: t0, attendance: { studentJoinedAt: t0, tutorJoinedAt: t1 } },
      created: false,
      firstJoin: true,
    });
  });

  it('when the starter starts again, changes nothing', () => {
    const session = startedByStudent();
    const result = ok(startSession(participants, session, STUDENT, t1));
    expect(result.session).toBe(session);
    expect(result).toMatchObject({ created: false, firstJoin: false });
  });

  it('refuses a non-participant before looking at the session', () => {
    expect(startSession(participants, null, STRANGER, t0)).toMatchObject({ ok: false, code: 'session.not_participant' });
    const ended = ok(endSession(participants, startedByStudent(), STUDENT, t2)).session;
    expect(startSession(participants, ended, STRANGER, t0)).toMatchObject({ code: 'session.not_participant' });
  });

  it('refuses to restart an ended session', () => {
    const ended = ok(endSession(participants, startedByStudent(), STUDENT, t2)).session;
    expect(startSession(participants, ended, TUTOR, t2)).toMatchObject({ ok: false, code: 'session.already_ended' });
  });
});

describe('joinSession', () => {
  it('records the first join time', () => {
    const result = ok(joinSession(participants, startedByStudent(), TUTOR, t1));
    expect(result.firstJoin).toBe(true);
    expect(result.session.attendance).toEqual({ studentJoinedAt: t0, tutorJoinedAt: t1 });
  });

  it('keeps the first join time on a rejoin', () => {
    const joined = ok(joinSession(participants, startedByStudent(), TUTOR, t1)).session;
    const again = ok(joinSession(participants, joined, TUTOR, t2));
    expect(again.firstJoin).toBe(false);
    expect(again.session).toBe(joined);
    expect(again.session.attendance.tutorJoinedAt).toEqual(t1);
  });

  it('refuses before any session exists', () => {
    expect(joinSession(participants, null, TUTOR, t1)).toMatchObject({ ok: false, code: 'session.not_started' });
  });

  it('refuses after the end', () => {
    const ended = ok(endSession(participants, startedByStudent(), STUDENT, t2)).session;
    expect(joinSession(participants, ended, TUTOR, t2)).toMatchObject({ ok: false, code: 'session.already_ended' });
  });

  it('refuses a non-participant', () => {
    expect(joinSession(participants, startedByStudent(), STRANGER, t1)).toMatchObject({ code: 'session.not_participant' });
    expect(joinSession(participants, null, STRANGER, t1)).toMatchObject({ code: 'session.not_participant' });
  });

  it('does not modify the session it was given', () => {
    const session = startedByStudent();
    const before = structuredClone(session);
    joinSession(participants, session, TUTOR, t1);
    expect(session).toEqual(before);
  });
});

describe('endSession', () => {
  it('ends an active session with who, when and the actual duration', () => {
    const joined = ok(joinSession(participants, startedByStudent(), TUTOR, t1)).session;
    expect(ok(endSession(participants, joined, TUTOR, t2))).toEqual({
      session: {
        status: 'ended',
        startedBy: STUDENT,
        startedAt: t0,
        attendance: { studentJoinedAt: t0, tutorJoinedAt: t1 },
        endedAt: t2,
        endedBy: TUTOR,
        durationSeconds: 61 * 60,
      },
      changed: true,
    });
  });

  it('lets the system end it', () => {
    const tokenExpiry = at('2030-03-04T11:10:00.000Z');
    const ended = ok(endSession(participants, startedByStudent(), SYSTEM_ACTOR, tokenExpiry)).session;
    expect(ended).toMatchObject({ endedBy: 'system', endedAt: tokenExpiry, durationSeconds: 72 * 60 });
  });

  it('a second end is a no-op returning the first end, whoever asks', () => {
    const first = ok(endSession(participants, startedByStudent(), STUDENT, t2)).session;
    for (const actor of [STUDENT, TUTOR, SYSTEM_ACTOR]) {
      const again = ok(endSession(participants, first, actor, at('2030-03-04T12:00:00.000Z')));
      expect(again.changed).toBe(false);
      expect(again.session).toBe(first);
    }
  });

  it('takes an end before the start (clock skew) as the start', () => {
    const ended = ok(endSession(participants, startedByStudent(), TUTOR, at('2030-03-04T09:57:59.000Z'))).session;
    expect(ended.endedAt).toEqual(t0);
    expect(ended.durationSeconds).toBe(0);
  });

  it('refuses a non-participant, even on an ended session', () => {
    expect(endSession(participants, startedByStudent(), STRANGER, t2)).toMatchObject({ code: 'session.not_participant' });
    const ended = ok(endSession(participants, startedByStudent(), STUDENT, t2)).session;
    expect(endSession(participants, ended, STRANGER, t2)).toMatchObject({ code: 'session.not_participant' });
  });

  it('refuses when no session exists', () => {
    expect(endSession(participants, null, STUDENT, t2)).toMatchObject({ ok: false, code: 'session.not_started' });
  });
});

describe('attendanceSummary', () => {
  it('names the party that never joined a started session', () => {
    const ended: EndedSession = ok(endSession(participants, startedByStudent(), STUDENT, t2)).session;
    expect(attendanceSummary(ended)).toEqual({ studentJoinedAt: t0, tutorJoinedAt: null, absentParty: 'tutor' });
  });

  it('names nobody when both joined', () => {
    const joined: SessionState = ok(startSession(participants, startedByStudent(), TUTOR, t1)).session;
    expect(attendanceSummary(joined).absentParty).toBeNull();
  });

  it('a session nobody started has both absent (session.missed)', () => {
    expect(absentParty(NO_ATTENDANCE)).toBe('both');
  });
});

describe('authorizeToken', () => {
  const tokenExpiresAt = at('2030-03-04T11:10:00.000Z');
  const base = (overrides: Partial<TokenRequest> = {}): TokenRequest => ({
    participants,
    bookingStatus: 'confirmed',
    session: startedByStudent(),
    userId: TUTOR,
    now: t1,
    tokenExpiresAt,
    ...overrides,
  });

  it('allows a participant of an active session and says which role', () => {
    expect(authorizeToken(base())).toEqual({ ok: true, value: { role: 'tutor' } });
    expect(authorizeToken(base({ userId: STUDENT }))).toEqual({ ok: true, value: { role: 'student' } });
  });

  it('allows up to 1 ms before the token expiry and refuses from the expiry on', () => {
    expect(authorizeToken(base({ now: at('2030-03-04T11:09:59.999Z') })).ok).toBe(true);
    expect(authorizeToken(base({ now: tokenExpiresAt }))).toMatchObject({ code: 'session.already_ended' });
  });

  it.each([
    ['a non-participant', { userId: STRANGER }, 'session.not_participant'],
    ['a cancelled booking', { bookingStatus: 'cancelled' as const }, 'session.booking_cancelled'],
    ['no session yet', { session: null }, 'session.not_started'],
  ])('refuses %s', (_label, overrides, code) => {
    expect(authorizeToken(base(overrides))).toMatchObject({ ok: false, code });
  });

  it('refuses an ended session', () => {
    const ended = ok(endSession(participants, startedByStudent(), STUDENT, t2)).session;
    expect(authorizeToken(base({ session: ended }))).toMatchObject({ code: 'session.already_ended' });
  });

  it('refuses a non-participant first, whatever else is wrong', () => {
    expect(authorizeToken(base({ userId: STRANGER, bookingStatus: 'cancelled', session: null }))).toMatchObject({
      code: 'session.not_participant',
    });
  });
});

describe('error codes', () => {
  it('are namespaced and unique', () => {
    expect(new Set(SESSION_ERROR_CODES).size).toBe(SESSION_ERROR_CODES.length);
    for (const code of SESSION_ERROR_CODES) expect(code).toMatch(/^session\.[a-z_]+$/);
  });
});
