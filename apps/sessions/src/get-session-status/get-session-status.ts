import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, OwnerBooking, RpcOutput, sessionsRpc } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { refuse, type Refusal } from '../domain/session-errors';
import { ParticipantBookings } from '../shared/participant-booking';
import { toSessionView } from '../shared/session-view';
import { findSessionByBooking } from '../stores/session.store';

/** Whether the caller could start (or join) now, the window, and the session if any. Reads only. */
@Injectable()
export class GetSessionStatus {
  constructor(
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly participants: ParticipantBookings,
  ) {}

  async status(actor: Actor, bookingId: string, owner?: OwnerBooking): Promise<RpcOutput<typeof sessionsRpc.status>> {
    const sessionWindow = this.participants.window;
    // 200 for any booking the caller takes part in, whatever its state (docs/design.md §6): when our copy
    // has not caught up, the owner's facts answer (canStart false, with the reason).
    const pending = await this.participants.catchUp(actor, bookingId, owner, { refuse: false });
    if (pending && owner) {
      const window = sessionWindow.startWindow(new Date(owner.startsAt));
      return {
        canStart: false,
        canStartFrom: window.canStartFrom.toISOString(),
        canStartUntil: window.canStartUntil.toISOString(),
        reason: pending,
        session: null,
        serverTime: this.clock.now().toISOString(),
      };
    }
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const { booking, endsAt, userId } = await this.participants.find(em, actor, bookingId);
      const existing = await findSessionByBooking(em, bookingId);
      const window = sessionWindow.startWindow(booking.startsAt);
      let refusal: Refusal | null;
      if (existing) {
        const auth = this.participants.tokenDecision(booking, endsAt, existing, userId, now);
        refusal = auth.ok ? null : auth;
      } else {
        const decision = sessionWindow.canStartAt(booking, now);
        refusal = !decision.ok ? decision : booking.missedAt ? refuse('session.too_late') : null;
      }
      return {
        canStart: refusal === null,
        canStartFrom: window.canStartFrom.toISOString(),
        canStartUntil: window.canStartUntil.toISOString(),
        reason: refusal?.code ?? null,
        session: existing ? toSessionView(booking, endsAt, existing) : null,
        serverTime: now.toISOString(),
      };
    });
  }
}
