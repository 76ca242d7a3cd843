import type { Actor } from '@tutorhub/contracts';
import { AppError } from '@tutorhub/platform';

// The caller's role is checked by `@OnRpc(def)` against the definition's roles (401/403) before
// a handler runs; what stays here is the per-object access: who may see which booking.

export const bookingNotFound = () => new AppError(404, 'booking.not_found', 'No such booking.');
export const tutorNotFound = () => new AppError(404, 'tutor.not_found', 'No such tutor.');
export const disputeNotFound = () => new AppError(404, 'dispute.not_found', 'No such dispute.');

/** A booking is visible to its student, its tutor and admins; to anyone else it does not exist (404). */
export function canSee(actor: Actor, b: { studentId: string; tutorId: string }): boolean {
  return actor.role === 'admin' || actor.userId === b.studentId || actor.userId === b.tutorId;
}

/** Which side of the booking the actor is on, if any. */
export function partyOf(actor: Actor, b: { studentId: string; tutorId: string }): 'student' | 'tutor' | null {
  if (actor.userId === b.studentId) return 'student';
  if (actor.userId === b.tutorId) return 'tutor';
  return null;
}
