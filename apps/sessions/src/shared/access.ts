import { actorChecks } from '@tutorhub/platform';

/** Every sessions pattern needs a signed-in caller; which booking they take part in is checked per call. */
export const { requireActor } = actorChecks({
  unauthenticated: { code: 'auth.unauthenticated', message: 'Sign in to take part in a session.' },
});
