import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OutboxService } from '@tutorhub/messaging';
import { abandonedBy, attendanceSummary, type EndedSession } from '../domain/attendance';
import { scheduledDuration } from '../domain/session-window';
import type { BookingSnapshot } from '../stores/booking-snapshot.store';
import { markEnded, type SessionRecord } from '../stores/session.store';
import { ParticipantBookings } from './participant-booking';

/**
 * The one end path: a participant's end (end-session/) and the system's (auto-end-sessions/)
 * store the ended session and emit `session.ended` the same way, under the session row lock.
 */
@Injectable()
export class SessionEnding {
  constructor(
    private readonly outbox: OutboxService,
    private readonly participants: ParticipantBookings,
  ) {}

  async persist(
    em: EntityManager,
    booking: BookingSnapshot,
    endsAt: Date,
    record: SessionRecord,
    ended: EndedSession,
    notes: string | null,
  ): Promise<void> {
    const abandoned = abandonedBy(booking, ended, this.participants.window.startWindow(booking.startsAt).canStartUntil);
    await markEnded(em, record.id, {
      endedAt: ended.endedAt,
      endedBy: ended.endedBy,
      durationSeconds: ended.durationSeconds,
      notes,
      abandonedBy: abandoned,
    });
    const summary = attendanceSummary(ended);
    await this.outbox.add(em, 'sessions.session.ended.v1', {
      sessionId: record.id,
      bookingId: booking.bookingId,
      studentId: booking.studentId,
      tutorId: booking.tutorId,
      endedBy: ended.endedBy,
      startedAt: ended.startedAt.toISOString(),
      endedAt: ended.endedAt.toISOString(),
      durationSeconds: ended.durationSeconds,
      scheduledDurationSeconds: scheduledDuration(booking.startsAt, endsAt),
      attendance: {
        studentJoinedAt: summary.studentJoinedAt?.toISOString() ?? null,
        tutorJoinedAt: summary.tutorJoinedAt?.toISOString() ?? null,
      },
      absentParty: abandoned ? null : summary.absentParty,
      abandonedBy: abandoned,
      scheduledStartsAt: booking.startsAt.toISOString(),
    });
  }
}
