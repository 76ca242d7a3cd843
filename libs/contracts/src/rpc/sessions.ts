// RPC contract of the sessions service: pattern names, zod input schemas, response shapes, and
// one `defineRpc` definition per call (`sessionsRpc`, at the end).
import { z } from 'zod';
import { isoDateTime, uuidSchema } from '../common';
import { absentPartySchema } from '../events/catalogue';
import { defineRpc } from './define';
import { ownerBookingSchema } from './owner-booking';

/** Pattern names served on `sessions.rpc`. Every pattern needs an actor (a participant of the booking). */
export const SESSIONS_RPC = {
  start: 'sessions.start',
  join: 'sessions.join',
  end: 'sessions.end',
  status: 'sessions.status',
  token: 'sessions.token',
} as const;
export type SessionsRpcPattern = (typeof SESSIONS_RPC)[keyof typeof SESSIONS_RPC];

// ---- inputs ----

/** Path parameters of every `/api/sessions/:bookingId/...` route. */
export const sessionBookingParamsSchema = z.strictObject({ bookingId: uuidSchema });

/** Body of `POST /api/sessions/:bookingId/end`. */
const sessionNotes = z.string().trim().min(1).max(4000);
/** The ended session's notes as the session service takes them. */
const sessionEndFields = z.strictObject({ notes: sessionNotes.optional() });
/**
 * Body of `POST /api/sessions/:bookingId/end`: `notes`, or `sessionNotes` (the original app's
 * name for the same field). An empty string means no notes; both given and different is a 400.
 */
export const sessionEndBodySchema = z
  .strictObject({
    notes: z.string().trim().max(4000).optional(),
    sessionNotes: z.string().trim().max(4000).optional(),
  })
  .refine((b) => !b.notes || !b.sessionNotes || b.notes === b.sessionNotes, {
    path: ['sessionNotes'],
    message: 'notes and sessionNotes are the same field and differ here: send one of them.',
  });
/** The notes an end body carries, whichever name it used (undefined for none). */
export function sessionEndNotes(body: { notes?: string; sessionNotes?: string } | undefined): string | undefined {
  return body?.notes || body?.sessionNotes || undefined;
}
/** Body of start, join and token: nothing (an empty JSON object, or no body). */
export const sessionEmptyBodySchema = z.strictObject({});

/** Every pattern may carry the owner's booking (read-your-writes, see owner-booking.ts). */
const sessionRpcInput = z.strictObject({ ...sessionBookingParamsSchema.shape, owner: ownerBookingSchema.optional() });
export const sessionStartInputSchema = sessionRpcInput;
export const sessionJoinInputSchema = sessionRpcInput;
export const sessionStatusInputSchema = sessionRpcInput;
export const sessionTokenInputSchema = sessionRpcInput;
export const sessionEndInputSchema = z.strictObject({ ...sessionRpcInput.shape, ...sessionEndFields.shape });

export type SessionBookingInput = z.infer<typeof sessionBookingParamsSchema>;
export type SessionEndInput = z.infer<typeof sessionEndInputSchema>;

// ---- responses ----

export const sessionParticipantRoleSchema = z.enum(['student', 'tutor']);

/** One participant's attendance; `uid` is their stable Agora uid (lets a client label remote video). */
export const sessionParticipantSchema = z.object({
  userId: uuidSchema,
  role: sessionParticipantRoleSchema,
  uid: z.number().int().min(1).max(0xffff_ffff),
  joined: z.boolean(),
  firstJoinedAt: isoDateTime.nullable(),
  lastJoinedAt: isoDateTime.nullable(),
  joinCount: z.number().int().min(0),
});

export const sessionViewSchema = z.object({
  id: uuidSchema,
  bookingId: uuidSchema,
  status: z.enum(['active', 'ended']),
  channelName: z.string().min(1).max(63),
  startedBy: uuidSchema,
  startedAt: isoDateTime,
  endedAt: isoDateTime.nullable(),
  /** A participant's user id, or `system` (auto-end after the scheduled end plus the overtime grace). */
  endedBy: z.union([uuidSchema, z.literal('system')]).nullable(),
  scheduledStartsAt: isoDateTime,
  scheduledEndsAt: isoDateTime,
  scheduledDurationSeconds: z.number().int().min(0),
  /** Actual duration, whole seconds; null while active. */
  durationSeconds: z.number().int().min(0).nullable(),
  notes: z.string().nullable(),
  attendance: z.object({
    student: sessionParticipantSchema,
    tutor: sessionParticipantSchema,
    /** Who never joined; only once the session has ended (null while active, when both joined, or when abandoned). */
    absentParty: absentPartySchema.nullable(),
    /**
     * Who ended the session before the other party joined while the start window was open
     * (docs/design.md §4): that participant cancelled, and the other is not absent.
     */
    abandonedBy: sessionParticipantRoleSchema.nullable(),
  }),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

/** What a client needs to enter the Agora channel. `expiresAt` is when the token really lapses. */
export const agoraAccessSchema = z.object({
  appId: z.string().regex(/^[0-9a-fA-F]{32}$/),
  channelName: z.string().min(1).max(63),
  uid: z.number().int().min(1).max(0xffff_ffff),
  token: z.string().min(1),
  expiresAt: isoDateTime,
});
export type AgoraAccess = z.infer<typeof agoraAccessSchema>;

/** Response of `sessions.start`, `sessions.join` and `sessions.token` (renewal). */
export const sessionAccessResponseSchema = z.object({
  session: sessionViewSchema,
  agora: agoraAccessSchema,
  serverTime: isoDateTime,
});
export type SessionAccessResponse = z.infer<typeof sessionAccessResponseSchema>;

/** Response of `sessions.end`: the ended session (durations and attendance inside). */
export const sessionEndResponseSchema = z.object({
  session: sessionViewSchema,
  serverTime: isoDateTime,
});
export type SessionEndResponse = z.infer<typeof sessionEndResponseSchema>;

/**
 * Response of `sessions.status`. `canStart` says whether `sessions.start` would succeed for the
 * caller right now (for an active session: whether it would join); `reason` is the refusal code
 * it would get otherwise. The window is always given, for countdowns against `serverTime`.
 */
export const sessionStatusResponseSchema = z.object({
  canStart: z.boolean(),
  canStartFrom: isoDateTime,
  canStartUntil: isoDateTime,
  reason: z.string().nullable(),
  session: sessionViewSchema.nullable(),
  serverTime: isoDateTime,
});
export type SessionStatusResponse = z.infer<typeof sessionStatusResponseSchema>;

/**
 * Refusal codes the sessions service answers with (RFC 9457 `code`):
 * - 400 `validation_failed`: bad input;
 * - 404 `session.not_found`: unknown booking, or the caller is not its student or tutor;
 * - 409 `session.too_early` / `session.too_late`: outside the start window (details carry the window);
 * - 409 `session.booking_not_confirmed`, `session.booking_cancelled`;
 * - 409 `session.not_started` (join/token/end before anyone started), `session.already_ended`.
 */
export const SESSIONS_PROBLEM_CODES = [
  'session.not_found',
  'session.too_early',
  'session.too_late',
  'session.booking_not_confirmed',
  'session.booking_cancelled',
  'session.not_started',
  'session.already_ended',
] as const;

/** One definition per call (gateway `rpc.call(sessionsRpc.x, …)`, service `@OnRpc(sessionsRpc.x)`). */
export const sessionsRpc = {
  start: defineRpc({ service: 'sessions', name: SESSIONS_RPC.start, input: sessionStartInputSchema, output: sessionAccessResponseSchema, roles: 'any', description: 'A participant starts the lesson’s session (or joins it when already active).' }),
  join: defineRpc({ service: 'sessions', name: SESSIONS_RPC.join, input: sessionJoinInputSchema, output: sessionAccessResponseSchema, roles: 'any', description: 'A participant joins the active session.' }),
  end: defineRpc({ service: 'sessions', name: SESSIONS_RPC.end, input: sessionEndInputSchema, output: sessionEndResponseSchema, roles: 'any', description: 'A participant ends the session, with optional notes.' }),
  status: defineRpc({ service: 'sessions', name: SESSIONS_RPC.status, input: sessionStatusInputSchema, output: sessionStatusResponseSchema, roles: 'any', description: 'Whether the caller may start or join now, and the start window.' }),
  token: defineRpc({ service: 'sessions', name: SESSIONS_RPC.token, input: sessionTokenInputSchema, output: sessionAccessResponseSchema, roles: 'any', description: 'A participant renews their Agora token.' }),
} as const;
