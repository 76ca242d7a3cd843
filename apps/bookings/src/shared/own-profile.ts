import type { EntityManager } from 'typeorm';
import { AppError } from '@tutorhub/platform';
import { TutorProfileStore } from '../stores/tutor-profile.store';

/** Availability and time off hang off the tutor profile (set-availability, add-time-off). */
export async function requireOwnProfile(em: EntityManager, tutorId: string): Promise<void> {
  if (!(await TutorProfileStore.find(em, tutorId))) {
    throw new AppError(409, 'tutor.profile_required', 'Create your tutor profile first (PUT /api/tutors/me).');
  }
}
