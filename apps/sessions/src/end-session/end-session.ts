import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, OwnerBooking, RpcOutput, sessionsRpc } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { endSession, SYSTEM_ACTOR } from '../domain/attendance';
import { refuse } from '../domain/session-errors';
import { ParticipantBookings } from '../shared/participant-booking';
import { SessionEnding } from '../shared/session-ending';
import { refusalToProblem } from '../shared/session-problems';
import { toSessionView } from '../shared/session-view';
import { addNotesIfMissing, findSessionByBooking, mustFindSession } from '../stores/session.store';

/**
 * End the session. Ending an ended session changes nothing and answers the first end. A
 * participant who ends it after the overtime grace is too late to be the one who ended it:
 * the tokens lapsed at scheduled end + grace, so it ends as the auto-end job would have.
 * Locks the session row, as the auto-end job does.
 */
@Injectable()
export class EndSession {
  constructor(
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly participants: ParticipantBookings,
    private readonly ending: SessionEnding,
  ) {}

  async end(actor: Actor, bookingId: string, notes: string | undefined, owner?: OwnerBooking): Promise<RpcOutput<typeof sessionsRpc.end>> {
    await this.participants.catchUp(actor, bookingId, owner);
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const { booking, endsAt, userId } = await this.participants.find(em, actor, bookingId);
      const existing = await findSessionByBooking(em, bookingId, 'update');
      if (!existing) throw refusalToProblem(refuse('session.not_started'));
      const participants = { studentId: booking.studentId, tutorId: booking.tutorId };
      const window = this.participants.window;
      const bySystem = existing.state.status === 'active' && window.autoEndDue(endsAt, now);
      const outcome = bySystem
        ? endSession(participants, existing.state, SYSTEM_ACTOR, window.tokenExpiry(endsAt))
        : endSession(participants, existing.state, userId, now);
      if (!outcome.ok) throw refusalToProblem(outcome);
      if (outcome.value.changed) {
        await this.ending.persist(em, booking, endsAt, existing, outcome.value.session, notes ?? null);
      } else if (notes) {
        await addNotesIfMissing(em, existing.id, notes);
      }
      const after = await mustFindSession(em, bookingId);
      return { session: toSessionView(booking, endsAt, after), serverTime: now.toISOString() };
    });
  }
}
