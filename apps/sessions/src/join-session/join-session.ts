import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, OwnerBooking } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { joinSession } from '../domain/attendance';
import { CallAccess, type SessionAccess } from '../shared/call-access';
import { ParticipantBookings } from '../shared/participant-booking';
import { refusalToProblem } from '../shared/session-problems';
import { findSessionByBooking } from '../stores/session.store';

/**
 * Join an active session: a token for the caller's own uid, attendance recorded. Locks the
 * session row, so a token is never handed out for a session that is being ended.
 */
@Injectable()
export class JoinSession {
  constructor(
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly participants: ParticipantBookings,
    private readonly callAccess: CallAccess,
  ) {}

  async join(actor: Actor, bookingId: string, owner?: OwnerBooking): Promise<SessionAccess> {
    await this.participants.catchUp(actor, bookingId, owner);
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const { booking, endsAt, userId, role } = await this.participants.find(em, actor, bookingId);
      const existing = this.participants.authorize(booking, endsAt, await findSessionByBooking(em, bookingId, 'update'), userId, now);
      const joined = joinSession({ studentId: booking.studentId, tutorId: booking.tutorId }, existing.state, userId, now);
      if (!joined.ok) throw refusalToProblem(joined);
      await this.callAccess.recordJoin(em, booking, existing.id, userId, role, now, true);
      return this.callAccess.issue(em, booking, endsAt, role, now);
    });
  }
}
