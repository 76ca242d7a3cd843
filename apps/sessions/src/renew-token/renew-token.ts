import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, OwnerBooking } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { CallAccess, type SessionAccess } from '../shared/call-access';
import { ParticipantBookings } from '../shared/participant-booking';
import { findSessionByBooking } from '../stores/session.store';

/**
 * A fresh token (the SDK asks 30 s before the old one lapses). Same rules as join; a caller
 * who somehow never joined is recorded as joined now, since holding a token is what lets
 * them in, but a renewal is not counted as a rejoin.
 */
@Injectable()
export class RenewToken {
  constructor(
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly participants: ParticipantBookings,
    private readonly callAccess: CallAccess,
  ) {}

  async renew(actor: Actor, bookingId: string, owner?: OwnerBooking): Promise<SessionAccess> {
    await this.participants.catchUp(actor, bookingId, owner);
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const { booking, endsAt, userId, role } = await this.participants.find(em, actor, bookingId);
      const existing = this.participants.authorize(booking, endsAt, await findSessionByBooking(em, bookingId, 'update'), userId, now);
      await this.callAccess.recordJoin(em, booking, existing.id, userId, role, now, false);
      return this.callAccess.issue(em, booking, endsAt, role, now);
    });
  }
}
