import { accept, refuse, type Outcome } from './session-errors';
import type { BookingStatus } from './session-window';

/**
 * A session's life, as pure transitions over plain values:
 *
 *   (none) --start--> active --end--> ended
 *
 * - start: by either participant; starting counts as joining. Starting a session the other
 *   party already started is a join (both may press "start" at once).
 * - join: only while active; a second join keeps the first join time.
 * - end: by either participant, or by the system at the scheduled end plus grace; ending an
 *   ended session is a no-op that returns the existing end.
 *
 * Order of checks in the service: a new session needs `sessionWindow.canStartAt` first; a
 * token for an existing session (join, renew, start-as-join) needs `authorizeToken` first.
 * Non-participants are refused before anything else is looked at, so they learn nothing.
 */

export const SYSTEM_ACTOR = 'system';

export type ParticipantRole = 'student' | 'tutor';
export type AbsentParty = 'student' | 'tutor' | 'both';

export interface Participants {
  readonly studentId: string;
  readonly tutorId: string;
}

export interface Attendance {
  readonly studentJoinedAt: Date | null;
  readonly tutorJoinedAt: Date | null;
}

interface SessionBase {
  readonly startedBy: string;
  readonly startedAt: Date;
  readonly attendance: Attendance;
}

export interface ActiveSession extends SessionBase {
  readonly status: 'active';
}

export interface EndedSession extends SessionBase {
  readonly status: 'ended';
  readonly endedAt: Date;
  /** A participant's user id, or `system`. */
  readonly endedBy: string;
  readonly durationSeconds: number;
}

export type SessionState = ActiveSession | EndedSession;

export const NO_ATTENDANCE: Attendance = Object.freeze({ studentJoinedAt: null, tutorJoinedAt: null });

export function roleOf(participants: Participants, userId: string): ParticipantRole | null {
  const id = userId.toLowerCase();
  if (id === participants.studentId.toLowerCase()) return 'student';
  if (id === participants.tutorId.toLowerCase()) return 'tutor';
  return null;
}

/**
 * Who stayed away. Nobody → `both` (a missed session); one → that one; everyone → null.
 * Student absent: the tutor is paid; tutor absent: the student is refunded.
 */
export function absentParty(attendance: Attendance): AbsentParty | null {
  const student = attendance.studentJoinedAt !== null;
  const tutor = attendance.tutorJoinedAt !== null;
  if (student && tutor) return null;
  if (student) return 'tutor';
  if (tutor) return 'student';
  return 'both';
}

/** Whole seconds from start to end, rounded down; never negative (clock skew between replicas). */
export function durationSeconds(startedAt: Date, endedAt: Date): number {
  const ms = endedAt.getTime() - startedAt.getTime();
  if (Number.isNaN(ms)) throw new RangeError('durationSeconds: both times must be valid Dates');
  return Math.max(0, Math.floor(ms / 1000));
}

/**
 * docs/design.md §4: a participant who ends the session before the other party has joined, while the
 * start window is still open, does not make the other party absent (they may still be on their
 * way, on time). That participant has cancelled: a tutor fully (the student is refunded), a
 * student late (the < 2 h tier). Returns who abandoned it, or null for an ordinary end.
 */
export function abandonedBy(participants: Participants, ended: EndedSession, canStartUntil: Date): ParticipantRole | null {
  if (ended.endedBy === SYSTEM_ACTOR) return null;
  const role = roleOf(participants, ended.endedBy);
  if (role === null) return null;
  const otherJoinedAt = role === 'student' ? ended.attendance.tutorJoinedAt : ended.attendance.studentJoinedAt;
  if (otherJoinedAt !== null) return null;
  return ended.endedAt.getTime() <= canStartUntil.getTime() ? role : null;
}

export interface AttendanceSummary extends Attendance {
  readonly absentParty: AbsentParty | null;
}

export function attendanceSummary(session: SessionState): AttendanceSummary {
  return { ...session.attendance, absentParty: absentParty(session.attendance) };
}

function withJoin(attendance: Attendance, role: ParticipantRole, at: Date): { attendance: Attendance; firstJoin: boolean } {
  const key = role === 'student' ? 'studentJoinedAt' : 'tutorJoinedAt';
  if (attendance[key] !== null) return { attendance, firstJoin: false };
  return { attendance: { ...attendance, [key]: at }, firstJoin: true };
}

export interface Transition<S extends SessionState> {
  readonly session: S;
  /** The caller joined for the first time: emit `session.participant_joined`. */
  readonly firstJoin: boolean;
}

export interface StartResult extends Transition<ActiveSession> {
  /** A new session was created: emit `session.started`. False when this start was a join. */
  readonly created: boolean;
}

/** Start (or, if the other party already started it, join) the booking's session. */
export function startSession(
  participants: Participants,
  existing: SessionState | null,
  userId: string,
  now: Date,
): Outcome<StartResult> {
  const role = roleOf(participants, userId);
  if (role === null) return refuse('session.not_participant');
  if (existing === null) {
    const { attendance } = withJoin(NO_ATTENDANCE, role, now);
    return accept({
      session: { status: 'active', startedBy: userId, startedAt: now, attendance },
      created: true,
      firstJoin: true,
    });
  }
  const joined = joinSession(participants, existing, userId, now);
  return joined.ok ? accept({ ...joined.value, created: false }) : joined;
}

export function joinSession(
  participants: Participants,
  existing: SessionState | null,
  userId: string,
  now: Date,
): Outcome<Transition<ActiveSession>> {
  const role = roleOf(participants, userId);
  if (role === null) return refuse('session.not_participant');
  if (existing === null) return refuse('session.not_started');
  if (existing.status === 'ended') return refuse('session.already_ended');
  const { attendance, firstJoin } = withJoin(existing.attendance, role, now);
  return accept({ session: firstJoin ? { ...existing, attendance } : existing, firstJoin });
}

export interface EndResult {
  readonly session: EndedSession;
  /** False when the session had already ended: nothing changed, emit nothing. */
  readonly changed: boolean;
}

/**
 * End the session. `at` is when it ended: the request time for a participant; for the
 * system, the token expiry (`sessionWindow.tokenExpiry(endsAt)`), since that is when the
 * call actually stopped, however late the job runs. An `at` before the start (clock skew)
 * is taken as the start.
 */
export function endSession(
  participants: Participants,
  existing: SessionState | null,
  endedBy: string,
  at: Date,
): Outcome<EndResult> {
  if (endedBy !== SYSTEM_ACTOR && roleOf(participants, endedBy) === null) return refuse('session.not_participant');
  if (existing === null) return refuse('session.not_started');
  if (existing.status === 'ended') return accept({ session: existing, changed: false });
  const endedAt = at.getTime() < existing.startedAt.getTime() ? existing.startedAt : at;
  return accept({
    session: {
      ...existing,
      status: 'ended',
      endedAt,
      endedBy,
      durationSeconds: durationSeconds(existing.startedAt, endedAt),
    },
    changed: true,
  });
}

export interface TokenRequest {
  readonly participants: Participants;
  readonly bookingStatus: BookingStatus;
  readonly session: SessionState | null;
  readonly userId: string;
  readonly now: Date;
  /** `sessionWindow.tokenExpiry(endsAt)`. */
  readonly tokenExpiresAt: Date;
}

/**
 * May this user get an RTC token for the booking's existing session? Never for a
 * non-participant, a cancelled booking, a session not started, or an ended one — including
 * one whose end is due but not yet recorded by the auto-end job.
 */
export function authorizeToken(request: TokenRequest): Outcome<{ role: ParticipantRole }> {
  const role = roleOf(request.participants, request.userId);
  if (role === null) return refuse('session.not_participant');
  if (request.bookingStatus === 'cancelled') return refuse('session.booking_cancelled');
  if (request.session === null) return refuse('session.not_started');
  if (request.session.status === 'ended') return refuse('session.already_ended');
  if (request.now.getTime() >= request.tokenExpiresAt.getTime()) return refuse('session.already_ended');
  return accept({ role });
}
