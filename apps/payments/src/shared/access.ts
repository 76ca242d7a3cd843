import type { Actor } from '@tutorhub/contracts';
import { AppError } from '@tutorhub/platform';

/** Every pattern but the Chapa webhook/callback needs an authenticated caller. */
export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw new AppError(401, 'auth.unauthenticated', 'Authentication is required.');
  return actor;
}

export function requireRole(actor: Actor | null, role: Actor['role'], code: string): Actor {
  const who = requireActor(actor);
  if (who.role !== role) throw new AppError(403, code, `Only ${role}s may do this.`);
  return who;
}
