import type { Actor, Role } from '@tutorhub/contracts';
import { AppError } from '@tutorhub/platform';

/** The gateway authenticates; a pattern reached without an actor is refused outright. */
export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw new AppError(401, 'auth.unauthenticated', 'This call needs an authenticated user.');
  return actor;
}

/** Wrong role: 403 (same code as the gateway's role guard), checked before anything is looked up. */
export function requireRole(actor: Actor | null, ...roles: Role[]): Actor {
  const a = requireActor(actor);
  if (!roles.includes(a.role)) {
    throw new AppError(403, 'auth.forbidden_role', `Only ${roles.join(' or ')} users may do this.`);
  }
  return a;
}

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
