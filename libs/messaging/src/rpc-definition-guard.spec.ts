import { z } from 'zod';
import { defineRpc } from '@tutorhub/contracts';
import { admitRpc, checkRpcOutput } from './rpc-definition-guard';

const student = { userId: '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b', role: 'student' as const };
const tutor = { ...student, role: 'tutor' as const };

const def = defineRpc({
  service: 'bookings',
  name: 'probe.cancel',
  input: z.strictObject({ reason: z.string().trim().max(5) }),
  output: z.object({ at: z.iso.datetime(), n: z.number().int() }),
  roles: ['student'],
  forbiddenCode: 'probe.forbidden_role',
  description: 'test',
});

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    const e = err as { status: number; code: string; details?: unknown };
    return { status: e.status, code: e.code, details: e.details };
  }
  throw new Error('expected a refusal');
};

describe('@OnRpc(def) checks', () => {
  it('refuses a missing actor and a wrong role with the definition’s codes, before reading the input', () => {
    expect(refusal(() => admitRpc(def, null, { bogus: 1 }))).toMatchObject({ status: 401, code: 'auth.unauthenticated' });
    expect(refusal(() => admitRpc(def, tutor, { bogus: 1 }))).toMatchObject({ status: 403, code: 'probe.forbidden_role' });
    const custom = defineRpc({ ...def, roles: 'any', unauthenticatedCode: 'unauthorized' });
    expect(refusal(() => admitRpc(custom, null, {}))).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(admitRpc(custom, tutor, { reason: 'x' })).toEqual({ reason: 'x' });
  });

  it('answers bad input with 400 validation_failed naming the fields, and hands on the parsed input', () => {
    expect(refusal(() => admitRpc(def, student, { reason: 'far too long' }))).toEqual({
      status: 400,
      code: 'validation_failed',
      details: { errors: [expect.objectContaining({ path: 'reason' })] },
    });
    expect(admitRpc(def, student, { reason: '  ok ' })).toEqual({ reason: 'ok' });
  });

  it('lets anonymous calls through without an actor, and reads no data as {} only where the definition says so', () => {
    const open = defineRpc({ ...def, roles: 'anonymous', input: z.strictObject({ limit: z.number().optional() }) });
    expect(refusal(() => admitRpc(open, null, undefined))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(admitRpc(defineRpc({ ...open, emptyInput: true }), null, undefined)).toEqual({});
  });

  it('checks an answer as it goes on the wire against the output schema, loudly naming the call', () => {
    expect(() => checkRpcOutput(def, { at: new Date('2026-01-01T00:00:00Z'), n: 1 })).not.toThrow();
    expect(() => checkRpcOutput(def, { at: 'yesterday', n: 1.5 })).toThrow(/probe\.cancel answered outside its output schema: at: .*; n: /);
    expect(() => checkRpcOutput(def, undefined)).toThrow(/\(root\)/);
  });
});

describe('defineRpc', () => {
  it('freezes the definition, keeps the pattern as its name and defaults the refusal codes', () => {
    const d = defineRpc({ service: 'sessions', name: 'sessions.start', input: z.object({}), output: z.object({}), roles: 'any', description: 'x' });
    expect(Object.isFrozen(d)).toBe(true);
    expect(d).toMatchObject({ name: 'sessions.start', unauthenticatedCode: 'auth.unauthenticated', forbiddenCode: 'auth.forbidden_role', emptyInput: false });
    expect(() => defineRpc({ ...d, name: 'Not A Pattern' })).toThrow(/not <area>\.<verb>/);
    expect(() => defineRpc({ ...d, roles: [] })).toThrow(/allows no role/);
  });
});
