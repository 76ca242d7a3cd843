import { AppError } from '@tutorhub/platform';
import type { Refusal } from '../domain/session-errors';

/**
 * Domain refusals → caller problems. A non-participant learns nothing: the booking is "not
 * found", exactly as for a booking that does not exist. Every other refusal is a 409: the
 * request is well-formed but the session's or booking's state (or the clock) does not allow
 * it now; the client can branch on `code`.
 */
export function refusalToProblem(refusal: Refusal, details?: Record<string, unknown>): AppError {
  if (refusal.code === 'session.not_participant') return sessionNotFound();
  return new AppError(409, refusal.code, refusal.message, details);
}

export function sessionNotFound(): AppError {
  return new AppError(404, 'session.not_found', 'No such booking session.');
}
