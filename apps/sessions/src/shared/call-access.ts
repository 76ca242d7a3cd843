import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RpcOutput, sessionsRpc } from '@tutorhub/contracts';
import { OutboxService } from '@tutorhub/messaging';
import { RtcTokenIssuer } from '../agora/rtc-token-issuer';
import type { ParticipantRole } from '../domain/attendance';
import { uidsForParticipants } from '../domain/participant-uid';
import type { BookingSnapshot } from '../stores/booking-snapshot.store';
import { mustFindSession, recordJoin } from '../stores/session.store';
import { ParticipantBookings } from './participant-booking';
import { toSessionView } from './session-view';

/** What start, join and token answer: the caller's token and the session (the three share one output). */
export type SessionAccess = RpcOutput<typeof sessionsRpc.start>;

/**
 * A participant entering the call, shared by start, join and token renewal: the join recorded
 * (with `participant_joined` on the first one) and the caller's Agora token issued.
 */
@Injectable()
export class CallAccess {
  constructor(
    private readonly outbox: OutboxService,
    private readonly tokens: RtcTokenIssuer,
    private readonly participants: ParticipantBookings,
  ) {}

  async recordJoin(
    em: EntityManager,
    booking: BookingSnapshot,
    sessionId: string,
    userId: string,
    role: ParticipantRole,
    now: Date,
    countRejoin: boolean,
  ): Promise<void> {
    const first = await recordJoin(em, sessionId, userId, role, now, countRejoin);
    if (!first) return;
    await this.outbox.add(em, 'sessions.session.participant_joined.v1', {
      sessionId,
      bookingId: booking.bookingId,
      studentId: booking.studentId,
      tutorId: booking.tutorId,
      userId,
      role,
      joinedAt: now.toISOString(),
    });
  }

  /**
   * The caller's token and the session as it now stands, built inside the transaction that
   * still holds the session lock: nothing can end the session between the check and the token,
   * and if the commit fails the token is never sent.
   */
  async issue(em: EntityManager, booking: BookingSnapshot, endsAt: Date, role: ParticipantRole, now: Date): Promise<SessionAccess> {
    const record = await mustFindSession(em, booking.bookingId);
    const uids = uidsForParticipants(booking.studentId, booking.tutorId);
    const uid = role === 'student' ? uids.studentUid : uids.tutorUid;
    return {
      session: toSessionView(booking, endsAt, record),
      agora: this.tokens.issue(record.channelName, uid, this.participants.window.tokenExpiry(endsAt)),
      serverTime: now.toISOString(),
    };
  }
}
