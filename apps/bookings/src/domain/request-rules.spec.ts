import { assertNotSelfBooking, assertSubjectOffered } from './request-rules';

describe('request rules', () => {
  it('refuses a student booking themselves (422 booking.self_booking)', () => {
    expect(() => assertNotSelfBooking('u1', 'u1')).toThrow(expect.objectContaining({ status: 422, code: 'booking.self_booking' }));
    expect(() => assertNotSelfBooking('tutor', 'student')).not.toThrow();
  });

  it('refuses a subject the tutor does not teach and lists the ones they do (422 booking.subject_not_offered)', () => {
    expect(() => assertSubjectOffered(['math', 'physics'], 'chemistry')).toThrow(
      expect.objectContaining({
        status: 422,
        code: 'booking.subject_not_offered',
        message: 'This tutor does not teach "chemistry".',
        details: { subjects: ['math', 'physics'] },
      }),
    );
    expect(() => assertSubjectOffered(['math', 'physics'], 'physics')).not.toThrow();
    expect(() => assertSubjectOffered([], 'math')).toThrow(expect.objectContaining({ code: 'booking.subject_not_offered' }));
  });
});
