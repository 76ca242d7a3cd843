import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor, OwnerBooking } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { PG, pgCode, pgConstraint } from '@tutorhub/persistence';
import { Clock } from '@tutorhub/platform';
import { startSession } from '../domain/attendance';
import { channelNameForBooking } from '../domain/channel-name';
import { refuse } from '../domain/session-errors';
import { scheduledDuration } from '../domain/session-window';
import { CallAccess, type SessionAccess } from '../shared/call-access';
import { ParticipantBookings } from '../shared/participant-booking';
import { refusalToProblem } from '../shared/session-problems';
import { findSessionByBooking, insertSession } from '../stores/session.store';

/**
 * Start the session, or join it when it is already active (both may press start). One short
 * transaction that locks the booking snapshot row first, so two participants pressing start at
 * once are serialised (the second finds the session and joins) and a start cannot slip past the
 * missed-session job, which locks the same row; the unique booking_id is the backstop.
 */
@Injectable()
export class StartSession {
  private readonly logger = new Logger('Sessions');

  constructor(
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly participants: ParticipantBookings,
    private readonly callAccess: CallAccess,
  ) {}

  async start(actor: Actor, bookingId: string, owner?: OwnerBooking): Promise<SessionAccess> {
    await this.participants.catchUp(actor, bookingId, owner);
    try {
      return await this.dataSource.transaction((em) => this.startIn(em, actor, bookingId));
    } catch (err) {
      // Only reachable if something bypassed the snapshot lock: the other start won, so join it.
      if (pgCode(err) !== PG.uniqueViolation || pgConstraint(err) !== 'sessions_one_per_booking') throw err;
      this.logger.warn(`concurrent start of booking ${bookingId} lost the race; joining`);
      return this.dataSource.transaction((em) => this.startIn(em, actor, bookingId));
    }
  }

  private async startIn(em: EntityManager, actor: Actor, bookingId: string): Promise<SessionAccess> {
    const now = this.clock.now();
    const { booking, endsAt, userId, role } = await this.participants.find(em, actor, bookingId, 'update');
    const participants = { studentId: booking.studentId, tutorId: booking.tutorId };
    const existing = await findSessionByBooking(em, bookingId, 'update');

    if (existing) {
      this.participants.authorize(booking, endsAt, existing, userId, now);
      const joined = startSession(participants, existing.state, userId, now);
      if (!joined.ok) throw refusalToProblem(joined);
      await this.callAccess.recordJoin(em, booking, existing.id, userId, role, now, true);
      return this.callAccess.issue(em, booking, endsAt, role, now);
    }

    const decision = this.participants.window.canStartAt(booking, now);
    const windowDetails = {
      canStartFrom: decision.window.canStartFrom.toISOString(),
      canStartUntil: decision.window.canStartUntil.toISOString(),
      serverTime: now.toISOString(),
    };
    if (!decision.ok) throw refusalToProblem(decision, windowDetails);
    // The missed-session job already reported this booking (a replica whose clock runs ahead).
    if (booking.missedAt) throw refusalToProblem(refuse('session.too_late'), windowDetails);

    const started = startSession(participants, null, userId, now);
    if (!started.ok) throw refusalToProblem(started);
    const sessionId = randomUUID();
    const channelName = channelNameForBooking(bookingId);
    await insertSession(em, {
      id: sessionId,
      bookingId,
      channelName,
      startedBy: userId,
      startedAt: now,
      scheduledDurationSeconds: scheduledDuration(booking.startsAt, endsAt),
    });
    await this.outbox.add(em, 'sessions.session.started.v1', {
      sessionId,
      bookingId,
      studentId: booking.studentId,
      tutorId: booking.tutorId,
      startedBy: userId,
      channelName,
      startedAt: now.toISOString(),
    });
    await this.callAccess.recordJoin(em, booking, sessionId, userId, role, now, true);
    return this.callAccess.issue(em, booking, endsAt, role, now);
  }
}
