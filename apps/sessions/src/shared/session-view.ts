import type { SessionView } from '@tutorhub/contracts';
import { absentParty, type ParticipantRole } from '../domain/attendance';
import { uidsForParticipants } from '../domain/participant-uid';
import type { BookingSnapshot } from '../stores/booking-snapshot.store';
import type { SessionRecord } from '../stores/session.store';

/** The session as participants see it (docs/design.md §6), from the stored session and the booking snapshot. */
export function toSessionView(booking: BookingSnapshot, endsAt: Date, record: SessionRecord): SessionView {
  const uids = uidsForParticipants(booking.studentId, booking.tutorId);
  const participant = (role: ParticipantRole, userId: string, uid: number) => {
    const a = record.attendance.find((x) => x.role === role);
    return {
      userId,
      role,
      uid,
      joined: !!a,
      firstJoinedAt: a ? a.firstJoinedAt.toISOString() : null,
      lastJoinedAt: a ? a.lastJoinedAt.toISOString() : null,
      joinCount: a ? a.joinCount : 0,
    };
  };
  const s = record.state;
  return {
    id: record.id,
    bookingId: record.bookingId,
    status: s.status,
    channelName: record.channelName,
    startedBy: s.startedBy,
    startedAt: s.startedAt.toISOString(),
    endedAt: s.status === 'ended' ? s.endedAt.toISOString() : null,
    endedBy: s.status === 'ended' ? s.endedBy : null,
    scheduledStartsAt: booking.startsAt.toISOString(),
    scheduledEndsAt: endsAt.toISOString(),
    scheduledDurationSeconds: record.scheduledDurationSeconds,
    durationSeconds: s.status === 'ended' ? s.durationSeconds : null,
    notes: record.notes,
    attendance: {
      student: participant('student', booking.studentId, uids.studentUid),
      tutor: participant('tutor', booking.tutorId, uids.tutorUid),
      // An abandoned session (docs/design.md §4) has no absent party: the one who ended it cancelled.
      absentParty: s.status === 'ended' && !record.abandonedBy ? absentParty(s.attendance) : null,
      abandonedBy: record.abandonedBy,
    },
  };
}
