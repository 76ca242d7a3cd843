import { DomainError } from './domain-error';

/**
 * Who may request a lesson of whom, and what: pure checks `request-booking` runs before the
 * slot and price checks. Subjects are stored trimmed and lower-case, and the request's subject
 * arrives normalised the same way (the zod schema), so plain equality is the case-insensitive match.
 */
export function assertNotSelfBooking(tutorId: string, studentId: string): void {
  // Impossible by role as well (and refused by a CHECK); the clear answer comes from here.
  if (tutorId === studentId) throw new DomainError('booking.self_booking', 'You cannot book yourself.', 422);
}

export function assertSubjectOffered(subjects: readonly string[], subject: string): void {
  if (!subjects.includes(subject)) {
    throw new DomainError('booking.subject_not_offered', `This tutor does not teach "${subject}".`, 422, { subjects: [...subjects] });
  }
}
