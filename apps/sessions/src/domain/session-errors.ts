/**
 * Stable machine codes for every refusal the sessions domain can produce. The HTTP layer
 * maps them to RFC 9457 problems (`code` is sent as-is); clients branch on them, so a code
 * is never renamed, only added.
 */
export const SESSION_ERROR_CODES = [
  'session.too_early',
  'session.too_late',
  'session.booking_not_confirmed',
  'session.booking_cancelled',
  'session.not_participant',
  'session.not_started',
  'session.already_ended',
] as const;

export type SessionErrorCode = (typeof SESSION_ERROR_CODES)[number];

const MESSAGES: Record<SessionErrorCode, string> = {
  'session.too_early': 'The session cannot be started yet.',
  'session.too_late': 'The window for starting this session has closed.',
  'session.booking_not_confirmed': 'The booking is not confirmed.',
  'session.booking_cancelled': 'The booking was cancelled.',
  'session.not_participant': 'Only the student and the tutor of this booking take part in its session.',
  'session.not_started': 'The session has not been started yet.',
  'session.already_ended': 'The session has already ended.',
};

export interface Refusal {
  readonly ok: false;
  readonly code: SessionErrorCode;
  readonly message: string;
}

/** The result of a domain decision: either a value, or a refusal with a stable code. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | Refusal;

export function refuse(code: SessionErrorCode): Refusal {
  return { ok: false, code, message: MESSAGES[code] };
}

export function accept<T>(value: T): Outcome<T> {
  return { ok: true, value };
}
