import { z } from 'zod';
import { AppError } from '@tutorhub/platform';
import { createBookingBody, registerInput, sessionEndBodySchema, upsertTutorProfileInput } from '@tutorhub/contracts';
import { findUnstorableText, nearestField } from './validation-messages';
import { ZodValidationPipe } from './zod';

/** What the pipe answers for a value: the problem's `errors`, or the parsed value. */
function refuse(schema: z.ZodType, value: unknown, prefix = ''): { detail: string; errors: Array<{ path: string; message: string }> } {
  try {
    new ZodValidationPipe(schema, prefix).transform(value);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('validation_failed');
    return { detail: e.message, errors: (e.details as { errors: Array<{ path: string; message: string }> }).errors };
  }
  throw new Error('the value was accepted');
}

const validRegister = { email: 'amina@example.com', password: 'correct horse battery staple', fullName: 'Amina Bekele', role: 'student' };

describe('validation problems written for people', () => {
  it('names an unknown field at its own path, with the field that was meant', () => {
    // (`sessionNotes` itself is the original app's name for `notes`, and accepted: issue 16.)
    const { errors } = refuse(sessionEndBodySchema, { note: 'We covered fractions.' });
    expect(errors).toEqual([{ path: 'note', message: 'Unknown field `note`. Did you mean `notes`?' }]);

    const typo = refuse(registerInput, { ...validRegister, fullName: undefined, fullname: 'Amina' });
    expect(typo.errors).toEqual(
      expect.arrayContaining([
        { path: 'fullName', message: 'This field is required.' },
        { path: 'fullname', message: 'Unknown field `fullname`. Did you mean `fullName`?' },
      ]),
    );
  });

  it('lists the accepted fields when nothing is close, and names nested paths', () => {
    const { errors } = refuse(createBookingBody, { tutorId: '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b', subject: 'maths', startsAt: '2027-01-15T09:00:00Z', durationMinutes: 30, price: 1 });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('price');
    expect(errors[0]?.message).toMatch(/^Unknown field `price`\. The fields accepted here are `tutorId`, `subject`, `startsAt`, `durationMinutes`, `note`\.$/);

    const nested = refuse(z.strictObject({ hourlyRate: z.strictObject({ amountMinor: z.int(), currency: z.enum(['ETB', 'USD']) }) }), {
      hourlyRate: { amountminor: 100, currency: 'ETB' },
    });
    expect(nested.errors).toEqual(
      expect.arrayContaining([
        { path: 'hourlyRate.amountminor', message: 'Unknown field `amountminor`. Did you mean `amountMinor`?' },
        { path: 'hourlyRate.amountMinor', message: 'This field is required.' },
      ]),
    );
  });

  it('never leaks the validator’s own wording', () => {
    const { errors, detail } = refuse(createBookingBody, { tutorId: 'x', subject: 42, startsAt: 'tomorrow', durationMinutes: 20 });
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    expect(byPath).toEqual({
      tutorId: 'Must be an id in UUID form, such as 3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b.',
      subject: 'Must be text, not a whole number.',
      startsAt: 'Must be a date and time in ISO 8601 UTC, such as 2027-01-15T09:00:00Z.',
      durationMinutes: 'Must be a multiple of 15.',
    });
    expect(detail).toBe('4 fields need fixing; each is listed in `errors` with its path.');
    for (const e of errors) expect(e.message).not.toMatch(/Invalid input|expected .*, received|Unrecognized key|Too (big|small)/);

    const role = refuse(registerInput, { ...validRegister, role: 'admin' });
    expect(role.errors).toEqual([{ path: 'role', message: 'Must be one of `student`, `tutor`.' }]);
    expect(role.detail).toBe('`role`: Must be one of `student`, `tutor`.');
    // A contract's own message is kept, as a sentence.
    expect(refuse(registerInput, { ...validRegister, password: 'short' }).errors).toEqual([{ path: 'password', message: 'Must be at least 10 characters.' }]);
  });

  it('refuses a NUL character or a lone surrogate in any text, naming the field, before the schema runs', () => {
    expect(refuse(sessionEndBodySchema, { notes: 'a\u0000b' }).errors).toEqual([
      { path: 'notes', message: expect.stringMatching(/NUL character.*cannot be stored/) },
    ]);
    expect(refuse(upsertTutorProfileInput, { headline: 'ok', subjects: ['maths', 'x\uD800'] }).errors).toEqual([
      { path: 'subjects.1', message: expect.stringMatching(/unpaired UTF-16 surrogate/) },
    ]);
    expect(refuse(z.strictObject({ id: z.string() }), 'TH-\u0000x', 'id').errors).toEqual([{ path: 'id', message: expect.stringMatching(/NUL/) }]);
    expect(refuse(z.object({}), { ['ke\u0000y']: 1 }).errors[0]?.path).toBe('ke\\u0000y');
    // A surrogate pair (an emoji) is text like any other.
    expect(new ZodValidationPipe(sessionEndBodySchema).transform({ notes: 'Great lesson 🎉' })).toEqual({ notes: 'Great lesson 🎉' });
  });

  it('finds unstorable text anywhere in a value', () => {
    expect(findUnstorableText({ a: [{ b: 'ok' }, { c: '\uDC00' }], d: 'fine' }, ['query'])).toEqual([{ path: 'query.a.1.c', message: expect.any(String) }]);
    expect(findUnstorableText({ a: ['\uD83C\uDF89', 'tab\tand\nnewline'] })).toEqual([]);
  });

  it('guesses the nearest field only when it is close', () => {
    const known = ['email', 'password', 'fullName', 'role'];
    expect(nearestField('fullname', known)).toBe('fullName');
    expect(nearestField('full_name', known)).toBe('fullName');
    expect(nearestField('passwrd', known)).toBe('password');
    expect(nearestField('mail', known)).toBe('email');
    expect(nearestField('price', known)).toBeUndefined();
  });
});
