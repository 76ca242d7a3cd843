import { createHash } from 'node:crypto';

/**
 * Agora uids are unsigned 32-bit integers; 0 means "any user" and is never issued.
 */
export const MIN_UID = 1;
export const MAX_UID = 0xffff_ffff; // 2^32 − 1

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Part of the hash input so the scheme can be versioned. Changing it (or anything in
// uidCandidate) gives every user a new uid: treat that as a breaking change.
const UID_SCHEME = 'tutorhub:agora-uid:v1';

export function isValidUid(uid: unknown): uid is number {
  return typeof uid === 'number' && Number.isInteger(uid) && uid >= MIN_UID && uid <= MAX_UID;
}

/** Maps any unsigned 32-bit value onto 1..2^32−1 (0 and 2^32−1 both land on 1). */
export function foldToUid(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`foldToUid: expected an unsigned 32-bit integer, got ${value}`);
  }
  return (value % MAX_UID) + 1;
}

/**
 * The `attempt`-th uid candidate of a user: SHA-256 over the scheme, the lower-cased uuid
 * and the attempt number, first four bytes big-endian, folded into 1..2^32−1.
 * Attempt 0 is the user's own uid; later attempts are only used to break a collision.
 */
export function uidCandidate(userId: string, attempt: number): number {
  if (!UUID.test(userId)) {
    throw new RangeError(`participant uid: user id must be a uuid, got ${JSON.stringify(userId)}`);
  }
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`participant uid: attempt must be a non-negative integer, got ${attempt}`);
  }
  const digest = createHash('sha256').update(`${UID_SCHEME}:${userId.toLowerCase()}:${attempt}`).digest();
  return foldToUid(digest.readUInt32BE(0));
}

/** A user's stable uid: the same user id always gives the same uid, in every session. */
export function participantUid(userId: string): number {
  return uidCandidate(userId, 0);
}

export interface ParticipantUids {
  readonly studentUid: number;
  readonly tutorUid: number;
}

/**
 * The two uids of one booking's channel. Each user keeps their stable uid unless the two
 * hash to the same value (about 1 in 4·10^9 per pair). Then the user whose lower-cased id
 * sorts first keeps theirs and the other takes their next candidate that differs. The rule
 * looks only at the two ids, never at who is student or tutor or at the clock, so every
 * call for the same pair agrees.
 */
export function uidsForParticipants(studentId: string, tutorId: string): ParticipantUids {
  const student = studentId.toLowerCase();
  const tutor = tutorId.toLowerCase();
  const studentUid = participantUid(student);
  const tutorUid = participantUid(tutor);
  if (student === tutor) {
    throw new RangeError('uidsForParticipants: the student and the tutor must be different users');
  }
  if (studentUid !== tutorUid) {
    return { studentUid, tutorUid };
  }
  const keeperIsStudent = student < tutor;
  const keptUid = studentUid;
  const mover = keeperIsStudent ? tutor : student;
  let attempt = 1;
  let moved = uidCandidate(mover, attempt);
  while (moved === keptUid) {
    attempt += 1;
    moved = uidCandidate(mover, attempt);
  }
  return keeperIsStudent ? { studentUid: keptUid, tutorUid: moved } : { studentUid: moved, tutorUid: keptUid };
}
