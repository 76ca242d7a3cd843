import type { Actor } from '@tutorhub/contracts';
import { actorChecks } from './access';
import { AppError } from './errors';

const checks = actorChecks({ unauthenticated: { code: 'auth.unauthenticated', message: 'Sign in first.' } });
const tutor: Actor = { userId: '00000000-0000-4000-8000-000000000001', role: 'tutor' };

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

describe('actorChecks', () => {
  it('requireActor passes an actor through and refuses none with the service’s 401', () => {
    expect(checks.requireActor(tutor)).toBe(tutor);
    expect(thrown(() => checks.requireActor(null))).toMatchObject({ status: 401, code: 'auth.unauthenticated', message: 'Sign in first.' });
  });

  it('requireRole takes one role or a list, and refuses another role with 403 (default message)', () => {
    expect(checks.requireRole(tutor, 'tutor')).toBe(tutor);
    expect(checks.requireRole(tutor, ['student', 'tutor'])).toBe(tutor);
    expect(thrown(() => checks.requireRole(tutor, ['student', 'admin']))).toMatchObject({
      status: 403,
      code: 'auth.forbidden_role',
      message: 'Only student or admin users may do this.',
    });
  });

  it('requireRole uses the code it is given, and answers 401 before the role when there is no actor', () => {
    expect(thrown(() => checks.requireRole(tutor, 'admin', 'admin.forbidden_role'))).toMatchObject({ status: 403, code: 'admin.forbidden_role' });
    expect(thrown(() => checks.requireRole(null, 'admin', 'admin.forbidden_role'))).toMatchObject({ status: 401, code: 'auth.unauthenticated' });
  });

  it('words the 401 and the 403 as the service asks', () => {
    const own = actorChecks({ unauthenticated: { code: 'unauthorized', message: 'Sign in to see this.' }, forbiddenRole: (roles) => `Only ${roles.join('/')}s.` });
    expect(thrown(() => own.requireActor(null))).toMatchObject({ status: 401, code: 'unauthorized', message: 'Sign in to see this.' });
    expect(thrown(() => own.requireRole(tutor, ['admin', 'student'], 'x.forbidden_role'))).toMatchObject({ status: 403, code: 'x.forbidden_role', message: 'Only admin/students.' });
  });
});
