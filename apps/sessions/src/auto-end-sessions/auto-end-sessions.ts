import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '@tutorhub/platform';
import { endSession, SYSTEM_ACTOR } from '../domain/attendance';
import { ParticipantBookings } from '../shared/participant-booking';
import { SessionEnding } from '../shared/session-ending';
import { mustFindSnapshot } from '../stores/booking-snapshot.store';
import { claimActivePastEnd, mustFindSession } from '../stores/session.store';

/**
 * Ends, as the system, the sessions still active at scheduled end + grace. Claims a batch
 * with FOR UPDATE SKIP LOCKED (every replica may run this at once) and ends each at the
 * token expiry, the moment the call really stopped, however late the job runs.
 */
@Injectable()
export class AutoEndSessions {
  constructor(
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly participants: ParticipantBookings,
    private readonly ending: SessionEnding,
  ) {}

  /** Returns how many sessions it claimed (a full batch means there may be more). */
  async batch(limit: number): Promise<number> {
    const window = this.participants.window;
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const cutoff = new Date(now.getTime() - window.config.overtimeGraceMinutes * 60_000);
      const due = await claimActivePastEnd(em, cutoff, limit);
      for (const bookingId of due) {
        const booking = await mustFindSnapshot(em, bookingId);
        const endsAt = booking.endsAt;
        if (!endsAt || !window.autoEndDue(endsAt, now)) continue;
        const record = await mustFindSession(em, bookingId);
        const outcome = endSession(booking, record.state, SYSTEM_ACTOR, window.tokenExpiry(endsAt));
        if (!outcome.ok || !outcome.value.changed) continue;
        await this.ending.persist(em, booking, endsAt, record, outcome.value.session, null);
      }
      return due.length;
    });
  }
}
