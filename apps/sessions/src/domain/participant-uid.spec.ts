import fc from 'fast-check';
import { foldToUid, isValidUid, MAX_UID, participantUid, uidCandidate, uidsForParticipants } from './participant-uid';

// Two user ids whose stable uids collide (found by search over ids of this shape). They pin
// the derivation too: any change to it gives them different values and fails these tests.
const COLLIDING_FIRST = '00000000-0000-4000-8000-00000000a668'; // sorts first
const COLLIDING_SECOND = '00000000-0000-4000-8000-0000000134d0';
const COLLIDING_UID = 1376290191;
const SECOND_NEXT_CANDIDATE = 4254406863;

describe('participantUid', () => {
  it('is pinned: the derivation never changes silently', () => {
    expect(participantUid(COLLIDING_FIRST)).toBe(COLLIDING_UID);
    expect(participantUid(COLLIDING_SECOND)).toBe(COLLIDING_UID);
    expect(uidCandidate(COLLIDING_SECOND, 1)).toBe(SECOND_NEXT_CANDIDATE);
  });

  it('is the same for the same user, whatever the case of the uuid', () => {
    const id = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    expect(participantUid(id)).toBe(participantUid(id.toUpperCase()));
  });

  it('is always within 1..2^32−1 (property)', () => {
    fc.assert(fc.property(fc.uuid(), (id) => expect(isValidUid(participantUid(id))).toBe(true)));
  });

  it.each(['', 'alice@example.com', '7c9e66797425-40de-944b-e07fc1f90ae7'])('refuses a user id that is not a uuid: %j', (id) => {
    expect(() => participantUid(id)).toThrow(RangeError);
  });

  it('refuses a negative or fractional attempt', () => {
    expect(() => uidCandidate(COLLIDING_FIRST, -1)).toThrow(RangeError);
    expect(() => uidCandidate(COLLIDING_FIRST, 0.5)).toThrow(RangeError);
  });
});

describe('foldToUid', () => {
  it.each([
    [0, 1],
    [1, 2],
    [0xffff_fffe, 0xffff_ffff],
    [0xffff_ffff, 1],
  ])('maps %d to %d, never 0', (value, uid) => {
    expect(foldToUid(value)).toBe(uid);
  });

  it.each([-1, 2 ** 32, 1.5, Number.NaN])('refuses %d', (value) => {
    expect(() => foldToUid(value)).toThrow(RangeError);
  });
});

describe('isValidUid', () => {
  it.each([1, 2, MAX_UID])('accepts %d', (uid) => expect(isValidUid(uid)).toBe(true));
  it.each([0, -1, MAX_UID + 1, 1.5, Number.NaN, '1', null])('refuses %j', (uid) => expect(isValidUid(uid)).toBe(false));
});

describe('uidsForParticipants', () => {
  const student = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
  const tutor = '0f8fad5b-d9cb-469f-a165-70867728950e';

  it('gives each participant their own stable uid when they do not collide', () => {
    expect(uidsForParticipants(student, tutor)).toEqual({
      studentUid: participantUid(student),
      tutorUid: participantUid(tutor),
    });
    expect(participantUid(student)).not.toBe(participantUid(tutor));
  });

  it('on a collision, the id sorting first keeps its uid and the other takes its next candidate', () => {
    expect(uidsForParticipants(COLLIDING_FIRST, COLLIDING_SECOND)).toEqual({
      studentUid: COLLIDING_UID,
      tutorUid: SECOND_NEXT_CANDIDATE,
    });
  });

  it('breaks the tie the same way whichever of the two is the student', () => {
    expect(uidsForParticipants(COLLIDING_SECOND, COLLIDING_FIRST)).toEqual({
      studentUid: SECOND_NEXT_CANDIDATE,
      tutorUid: COLLIDING_UID,
    });
  });

  it('breaks the tie the same way whatever the case of the ids', () => {
    expect(uidsForParticipants(COLLIDING_FIRST.toUpperCase(), COLLIDING_SECOND)).toEqual({
      studentUid: COLLIDING_UID,
      tutorUid: SECOND_NEXT_CANDIDATE,
    });
  });

  it('always gives two different valid uids (property)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (a, b) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        const { studentUid, tutorUid } = uidsForParticipants(a, b);
        expect(studentUid).not.toBe(tutorUid);
        expect(isValidUid(studentUid) && isValidUid(tutorUid)).toBe(true);
      }),
    );
  });

  it('refuses one user in both roles', () => {
    expect(() => uidsForParticipants(student, student)).toThrow(RangeError);
    expect(() => uidsForParticipants(student, student.toUpperCase())).toThrow(RangeError);
  });
});
