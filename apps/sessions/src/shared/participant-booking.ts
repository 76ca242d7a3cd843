import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor, OwnerBooking } from '@tutorhub/contracts';
import { notReady, ReadYourWrites } from '@tutorhub/messaging';
import { CONFIG } from '@tutorhub/service';
import type { SessionsConfig } from '../config';
import { authorizeToken, roleOf, type ParticipantRole } from '../domain/attendance';
import { refuse } from '../domain/session-errors';
import { sessionWindow, type SessionWindow } from '../domain/session-window';
import { findSnapshot, type BookingSnapshot } from '../stores/booking-snapshot.store';
import type { SessionRecord } from '../stores/session.store';
import { refusalToProblem, sessionNotFound } from './session-problems';

/** Owner statuses that mean the booking was confirmed, so that our snapshot of it will arrive. */
const WILL_BE_CONFIRMED: ReadonlySet<string> = new Set(['confirmed', 'in_progress', 'completed', 'no_show', 'disputed']);

/** A booking the caller takes part in, with its scheduled end (always known once confirmed). */
export interface ParticipantBooking {
  booking: BookingSnapshot;
  endsAt: Date;
  userId: string;
  role: ParticipantRole;
}

/**
 * Who may act on a booking's session, shared by the five calls (start, join, token, end,
 * status): the read-your-writes catch-up, the participant check on the booking snapshot, and
 * whether the caller may hold a token now; also the configured session window.
 *
 * Lock order, the same in every use case: the snapshot row first (`find(…, 'update')`, taken by
 * start, which the missed-session job also locks), then the session row. So two participants
 * pressing start at once are serialised (the second finds the session and joins), a start cannot
 * slip past the missed-session job, and a token is never handed out for a session that another
 * request or the auto-end job is ending. Decisions come from the pure domain (window, attendance).
 */
@Injectable()
export class ParticipantBookings {
  readonly window: SessionWindow;

  constructor(
    @Inject(CONFIG) config: SessionsConfig,
    private readonly dataSource: DataSource,
    private readonly readYourWrites: ReadYourWrites,
  ) {
    this.window = sessionWindow({
      earlyMinutes: config.SESSION_START_EARLY_MINUTES,
      lateMinutes: config.SESSION_START_LATE_MINUTES,
      overtimeGraceMinutes: config.SESSION_OVERTIME_GRACE_MINUTES,
    });
  }

  /**
   * Read-your-writes (ADR 0006). Without `owner` nothing happens: our snapshot decides, and a
   * booking it lacks is a 404 (the gateway then asks bookings, the owner, and calls again with
   * its facts). With `owner`: the caller takes part in the booking as its owner knows it now.
   * If the booking was ever confirmed, our snapshot will come (`booking.confirmed`), so wait for
   * it, bounded and woken when it is handled; otherwise there is no session to be had, and the
   * owner's status says why. Returns the reason the request cannot proceed yet, or null.
   */
  async catchUp(
    actor: Actor,
    bookingId: string,
    owner: OwnerBooking | undefined,
    opts: { refuse: boolean } = { refuse: true },
  ): Promise<'session.booking_not_confirmed' | 'session.booking_cancelled' | 'session.not_ready' | null> {
    if (!owner) return null;
    if (roleOf(owner, actor.userId) === null) throw sessionNotFound();
    const hasSnapshot = () => findSnapshot(this.dataSource.manager, bookingId);
    let reason: 'session.booking_not_confirmed' | 'session.booking_cancelled' | 'session.not_ready' | null = null;
    if (WILL_BE_CONFIRMED.has(owner.status)) {
      if (!(await this.readYourWrites.await(bookingId, hasSnapshot))) reason = 'session.not_ready';
    } else if (!(await hasSnapshot())) {
      reason = owner.status === 'cancelled' ? 'session.booking_cancelled' : 'session.booking_not_confirmed';
    }
    if (reason && opts.refuse) {
      throw reason === 'session.not_ready' ? notReady('session.not_ready', 'This lesson’s session') : refusalToProblem(refuse(reason));
    }
    return reason;
  }

  /** The booking, if the actor is its student or tutor; otherwise 404, as for an unknown booking. */
  async find(em: EntityManager, actor: Actor, bookingId: string, lock?: 'update'): Promise<ParticipantBooking> {
    const booking = await findSnapshot(em, bookingId, lock);
    if (!booking) throw sessionNotFound();
    const userId = actor.userId.toLowerCase();
    const role = roleOf(booking, userId);
    if (role === null) throw sessionNotFound();
    // Tombstones (cancelled before we saw the confirmation) have no end; they have no session either.
    if (!booking.endsAt) throw refusalToProblem(refuse(booking.status === 'cancelled' ? 'session.booking_cancelled' : 'session.booking_not_confirmed'));
    return { booking, endsAt: booking.endsAt, userId, role };
  }

  tokenDecision(booking: BookingSnapshot, endsAt: Date, session: SessionRecord | null, userId: string, now: Date) {
    return authorizeToken({
      participants: booking,
      bookingStatus: booking.status,
      session: session?.state ?? null,
      userId,
      now,
      tokenExpiresAt: this.window.tokenExpiry(endsAt),
    });
  }

  /** The session, if the caller may have a token for it now; otherwise the refusal as a problem. */
  authorize(booking: BookingSnapshot, endsAt: Date, session: SessionRecord | null, userId: string, now: Date): SessionRecord {
    const decision = this.tokenDecision(booking, endsAt, session, userId, now);
    if (!decision.ok) throw refusalToProblem(decision);
    if (!session) throw refusalToProblem(refuse('session.not_started'));
    return session;
  }
}
