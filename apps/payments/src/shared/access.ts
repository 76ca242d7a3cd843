import { actorChecks } from '@tutorhub/platform';

/**
 * Every pattern but the Chapa webhook/callback needs an authenticated caller. A wrong role is
 * refused with the caller's domain code (`wallet.forbidden_role`, `admin.forbidden_role`, …).
 */
export const { requireActor, requireRole } = actorChecks({
  unauthenticated: { code: 'auth.unauthenticated', message: 'Authentication is required.' },
  forbiddenRole: (roles) => `Only ${roles.join(' or ')}s may do this.`,
});
