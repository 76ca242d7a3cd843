import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { ParticipantBookings } from '../shared/participant-booking';
import { claimMissedCandidates, markMissed, mustFindSnapshot } from '../stores/booking-snapshot.store';
import { findSessionByBooking } from '../stores/session.store';

/**
 * Reports `session.missed` (both absent) for confirmed bookings whose start window closed
 * with no session, once per booking: the snapshot row is claimed with SKIP LOCKED, the
 * absence of a session re-checked under that lock (a start holds the same lock while it
 * creates one), and `missed_at` set in the transaction that writes the event.
 */
@Injectable()
export class ReportMissedSessions {
  constructor(
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly participants: ParticipantBookings,
  ) {}

  /** Returns how many bookings it claimed (a full batch means there may be more). */
  async batch(limit: number): Promise<number> {
    const window = this.participants.window;
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const cutoff = new Date(now.getTime() - window.config.lateMinutes * 60_000);
      const candidates = await claimMissedCandidates(em, cutoff, limit);
      for (const bookingId of candidates) {
        const booking = await mustFindSnapshot(em, bookingId);
        if (booking.status !== 'confirmed' || booking.missedAt || !window.missedDue(booking.startsAt, now)) continue;
        // A fresh statement sees a session committed after the candidate query's snapshot.
        if (await findSessionByBooking(em, bookingId)) continue;
        await markMissed(em, bookingId, now);
        await this.outbox.add(em, 'sessions.session.missed.v1', {
          bookingId,
          studentId: booking.studentId,
          tutorId: booking.tutorId,
          absentParty: 'both',
        });
      }
      return candidates.length;
    });
  }
}
