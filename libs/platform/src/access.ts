import type { Actor, Role } from '@tutorhub/contracts';
import { AppError } from './errors';

/**
 * What a service tells a caller it refuses, in its own words. Clients (and tests) already see
 * each service's wording and codes, so the checks are shared and the texts stay per service.
 */
export interface AccessTexts {
  /** The 401 for a pattern reached without an actor. */
  unauthenticated: { code: string; message: string };
  /** The 403 message for a caller whose role is not among `roles` ("Only tutor users may do this." if not given). */
  forbiddenRole?: (roles: readonly Role[]) => string;
}

export interface ActorChecks {
  /** The actor, or the service's 401: the gateway authenticates, so no actor is refused outright. */
  requireActor(actor: Actor | null): Actor;
  /**
   * The actor if its role is `role` (or one of them), else a 403 with `code`; checked before
   * anything is looked up, so a wrong role learns nothing.
   */
  requireRole(actor: Actor | null, role: Role | readonly Role[], code?: string): Actor;
}

/** The actor and role checks of the RPC handlers, bound to a service's texts. */
export function actorChecks(texts: AccessTexts): ActorChecks {
  const forbiddenRole = texts.forbiddenRole ?? ((roles: readonly Role[]) => `Only ${roles.join(' or ')} users may do this.`);
  const requireActor = (actor: Actor | null): Actor => {
    if (!actor) throw new AppError(401, texts.unauthenticated.code, texts.unauthenticated.message);
    return actor;
  };
  const requireRole = (actor: Actor | null, role: Role | readonly Role[], code = 'auth.forbidden_role'): Actor => {
    const who = requireActor(actor);
    const roles: readonly Role[] = typeof role === 'string' ? [role] : role;
    if (!roles.includes(who.role)) throw new AppError(403, code, forbiddenRole(roles));
    return who;
  };
  return { requireActor, requireRole };
}
