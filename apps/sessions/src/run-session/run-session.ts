import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor, OwnerBooking, SessionAccessResponse, SessionEndResponse, SessionStatusResponse } from '@tutorhub/contracts';
import { notReady, OutboxService, ReadYourWrites } from '@tutorhub/messaging';
import { PG, pgCode, pgConstraint } from '@tutorhub/persistence';
import { actorChecks, Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import { RtcTokenIssuer } from '../agora/rtc-token-issuer';
import type { SessionsConfig } from '../config';
import {
  abandonedBy,
  attendanceSummary,
  authorizeToken,
  endSession,
  joinSession,
  roleOf,
  startSession,
  SYSTEM_ACTOR,
  type EndedSession,
  type ParticipantRole,
} from '../domain/attendance';
import { channelNameForBooking } from '../domain/channel-name';
import { uidsForParticipants } from '../domain/participant-uid';
import { refuse, type Refusal } from '../domain/session-errors';
import { sessionWindow, type SessionWindow } from '../domain/session-window';
import { claimMissedCandidates, findSnapshot, markMissed, type BookingSnapshot } from '../stores/booking-snapshot.store';
import { refusalToProblem, sessionNotFound } from './session-problems';
import {
  addNotesIfMissing,
  claimActivePastEnd,
  findSessionByBooking,
  insertSession,
  markEnded,
  recordJoin,
  type SessionRecord,
} from '../stores/session.store';
import { toSessionView } from './session-view';

/** Owner statuses that mean the booking was confirmed, so that our snapshot of it will arrive. */
const WILL_BE_CONFIRMED: ReadonlySet<string> = new Set(['confirmed', 'in_progress', 'completed', 'no_show', 'disputed']);

/** A booking the caller takes part in, with its scheduled end (always known once confirmed). */
interface ParticipantBooking {
  booking: BookingSnapshot;
  endsAt: Date;
  userId: string;
  role: ParticipantRole;
}


/**
 * The session use cases behind the RPC patterns. Every one is a short transaction:
 * - start locks the booking snapshot row first, so two participants pressing start at once
 *   are serialised (the second finds the session and joins) and a start cannot slip past the
 *   missed-session job, which locks the same row; the unique booking_id is the backstop;
 * - join, renew and end lock the session row, so a token is never handed out for a session
 *   that another request or the auto-end job is ending, and a first join is recorded once.
 * Decisions come from the pure domain (window, attendance); "now" comes from the injected Clock.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger('Sessions');
  readonly window: SessionWindow;

  constructor(
    @Inject(CONFIG) config: SessionsConfig,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly tokens: RtcTokenIssuer,
    private readonly readYourWrites: ReadYourWrites,
  ) {
    this.window = sessionWindow({
      earlyMinutes: config.SESSION_START_EARLY_MINUTES,
      lateMinutes: config.SESSION_START_LATE_MINUTES,
      overtimeGraceMinutes: config.SESSION_OVERTIME_GRACE_MINUTES,
    });
  }

  /** Start the session, or join it when it is already active (both may press start). */
  async start(actor: Actor, bookingId: string, owner?: OwnerBooking): Promise<SessionAccessResponse> {
    await this.catchUp(actor, bookingId, owner);
    try {
      return await this.dataSource.transaction((em) => this.startIn(em, actor, bookingId));
    } catch (err) {
      // Only reachable if something bypassed the snapshot lock: the other start won, so join it.
      if (pgCode(err) !== PG.uniqueViolation || pgConstraint(err) !== 'sessions_one_per_booking') throw err;
      this.logger.warn(`concurrent start of booking ${bookingId} lost the race; joining`);
      return this.dataSource.transaction((em) => this.startIn(em, actor, bookingId));
    }
  }

  private async startIn(em: EntityManager, actor: Actor, bookingId: string): Promise<SessionAccessResponse> {
    const now = this.clock.now();
    const { booking, endsAt, userId, role } = await this.participantBooking(em, actor, bookingId, 'update');
    const participants = { studentId: booking.studentId, tutorId: booking.tutorId };
    const existing = await findSessionByBooking(em, bookingId, 'update');

    if (existing) {
      this.authorize(booking, endsAt, existing, userId, now);
      const joined = startSession(participants, existing.state, userId, now);
      if (!joined.ok) throw refusalToProblem(joined);
      await this.recordJoin(em, booking, existing.id, userId, role, now, true);
      return this.access(em, booking, endsAt, role, now);
    }

    const decision = this.window.canStartAt(booking, now);
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
    await this.recordJoin(em, booking, sessionId, userId, role, now, true);
    return this.access(em, booking, endsAt, role, now);
  }

  /** Join an active session: a token for the caller's own uid, attendance recorded. */
  async join(actor: Actor, bookingId: string, owner?: OwnerBooking): Promise<SessionAccessResponse> {
    await this.catchUp(actor, bookingId, owner);
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const { booking, endsAt, userId, role } = await this.participantBooking(em, actor, bookingId);
      const existing = this.authorize(booking, endsAt, await findSessionByBooking(em, bookingId, 'update'), userId, now);
      const joined = joinSession({ studentId: booking.studentId, tutorId: booking.tutorId }, existing.state, userId, now);
      if (!joined.ok) throw refusalToProblem(joined);
      await this.recordJoin(em, booking, existing.id, userId, role, now, true);
      return this.access(em, booking, endsAt, role, now);
    });
  }

  /**
   * A fresh token (the SDK asks 30 s before the old one lapses). Same rules as join; a caller
   * who somehow never joined is recorded as joined now, since holding a token is what lets
   * them in, but a renewal is not counted as a rejoin.
   */
  async renewToken(actor: Actor, bookingId: string, owner?: OwnerBooking): Promise<SessionAccessResponse> {
    await this.catchUp(actor, bookingId, owner);
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const { booking, endsAt, userId, role } = await this.participantBooking(em, actor, bookingId);
      const existing = this.authorize(booking, endsAt, await findSessionByBooking(em, bookingId, 'update'), userId, now);
      await this.recordJoin(em, booking, existing.id, userId, role, now, false);
      return this.access(em, booking, endsAt, role, now);
    });
  }

  /**
   * End the session. Ending an ended session changes nothing and answers the first end. A
   * participant who ends it after the overtime grace is too late to be the one who ended it:
   * the tokens lapsed at scheduled end + grace, so it ends as the auto-end job would have.
   */
  async end(actor: Actor, bookingId: string, notes: string | undefined, owner?: OwnerBooking): Promise<SessionEndResponse> {
    await this.catchUp(actor, bookingId, owner);
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const { booking, endsAt, userId } = await this.participantBooking(em, actor, bookingId);
      const existing = await findSessionByBooking(em, bookingId, 'update');
      if (!existing) throw refusalToProblem(refuse('session.not_started'));
      const participants = { studentId: booking.studentId, tutorId: booking.tutorId };
      const bySystem = existing.state.status === 'active' && this.window.autoEndDue(endsAt, now);
      const outcome = bySystem
        ? endSession(participants, existing.state, SYSTEM_ACTOR, this.window.tokenExpiry(endsAt))
        : endSession(participants, existing.state, userId, now);
      if (!outcome.ok) throw refusalToProblem(outcome);
      if (outcome.value.changed) {
        await this.persistEnd(em, booking, endsAt, existing, outcome.value.session, notes ?? null);
      } else if (notes) {
        await addNotesIfMissing(em, existing.id, notes);
      }
      const after = await mustFindSession(em, bookingId);
      return { session: toSessionView(booking, endsAt, after), serverTime: now.toISOString() };
    });
  }

  /** Whether the caller could start (or join) now, the window, and the session if any. */
  async status(actor: Actor, bookingId: string, owner?: OwnerBooking): Promise<SessionStatusResponse> {
    // 200 for any booking the caller takes part in, whatever its state (docs/design.md §6): when our copy
    // has not caught up, the owner's facts answer (canStart false, with the reason).
    const pending = await this.catchUp(actor, bookingId, owner, { refuse: false });
    if (pending && owner) {
      const window = this.window.startWindow(new Date(owner.startsAt));
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
      const { booking, endsAt, userId } = await this.participantBooking(em, actor, bookingId);
      const existing = await findSessionByBooking(em, bookingId);
      const window = this.window.startWindow(booking.startsAt);
      let refusal: Refusal | null;
      if (existing) {
        const auth = this.tokenDecision(booking, endsAt, existing, userId, now);
        refusal = auth.ok ? null : auth;
      } else {
        const decision = this.window.canStartAt(booking, now);
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

  /**
   * Ends, as the system, the sessions still active at scheduled end + grace. Claims a batch
   * with FOR UPDATE SKIP LOCKED (every replica may run this at once) and ends each at the
   * token expiry, the moment the call really stopped, however late the job runs.
   */
  /** Returns how many sessions it claimed (a full batch means there may be more). */
  async autoEndDueBatch(limit: number): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const cutoff = new Date(now.getTime() - this.window.config.overtimeGraceMinutes * 60_000);
      const due = await claimActivePastEnd(em, cutoff, limit);
      for (const bookingId of due) {
        const booking = await mustFindSnapshot(em, bookingId);
        const endsAt = booking.endsAt;
        if (!endsAt || !this.window.autoEndDue(endsAt, now)) continue;
        const record = await mustFindSession(em, bookingId);
        const outcome = endSession(booking, record.state, SYSTEM_ACTOR, this.window.tokenExpiry(endsAt));
        if (!outcome.ok || !outcome.value.changed) continue;
        await this.persistEnd(em, booking, endsAt, record, outcome.value.session, null);
      }
      return due.length;
    });
  }

  /**
   * Reports `session.missed` (both absent) for confirmed bookings whose start window closed
   * with no session, once per booking: the snapshot row is claimed with SKIP LOCKED, the
   * absence of a session re-checked under that lock (a start holds the same lock while it
   * creates one), and `missed_at` set in the transaction that writes the event.
   */
  /** Returns how many bookings it claimed (a full batch means there may be more). */
  async reportMissedBatch(limit: number): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const now = this.clock.now();
      const cutoff = new Date(now.getTime() - this.window.config.lateMinutes * 60_000);
      const candidates = await claimMissedCandidates(em, cutoff, limit);
      for (const bookingId of candidates) {
        const booking = await mustFindSnapshot(em, bookingId);
        if (booking.status !== 'confirmed' || booking.missedAt || !this.window.missedDue(booking.startsAt, now)) continue;
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

  // ---- helpers ----

  /**
   * Read-your-writes (ADR 0006). Without `owner` nothing happens: our snapshot decides, and a
   * booking it lacks is a 404 (the gateway then asks bookings, the owner, and calls again with
   * its facts). With `owner`: the caller takes part in the booking as its owner knows it now.
   * If the booking was ever confirmed, our snapshot will come (`booking.confirmed`), so wait for
   * it, bounded and woken when it is handled; otherwise there is no session to be had, and the
   * owner's status says why. Returns the reason the request cannot proceed yet, or null.
   */
  private async catchUp(
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
  private async participantBooking(em: EntityManager, actor: Actor, bookingId: string, lock?: 'update'): Promise<ParticipantBooking> {
    const booking = await findSnapshot(em, bookingId, lock);
    if (!booking) throw sessionNotFound();
    const userId = actor.userId.toLowerCase();
    const role = roleOf(booking, userId);
    if (role === null) throw sessionNotFound();
    // Tombstones (cancelled before we saw the confirmation) have no end; they have no session either.
    if (!booking.endsAt) throw refusalToProblem(refuse(booking.status === 'cancelled' ? 'session.booking_cancelled' : 'session.booking_not_confirmed'));
    return { booking, endsAt: booking.endsAt, userId, role };
  }

  private tokenDecision(booking: BookingSnapshot, endsAt: Date, session: SessionRecord | null, userId: string, now: Date) {
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
  private authorize(booking: BookingSnapshot, endsAt: Date, session: SessionRecord | null, userId: string, now: Date): SessionRecord {
    const decision = this.tokenDecision(booking, endsAt, session, userId, now);
    if (!decision.ok) throw refusalToProblem(decision);
    if (!session) throw refusalToProblem(refuse('session.not_started'));
    return session;
  }

  private async recordJoin(
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

  private async persistEnd(
    em: EntityManager,
    booking: BookingSnapshot,
    endsAt: Date,
    record: SessionRecord,
    ended: EndedSession,
    notes: string | null,
  ): Promise<void> {
    const abandoned = abandonedBy(booking, ended, this.window.startWindow(booking.startsAt).canStartUntil);
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

  /**
   * The caller's token and the session as it now stands, built inside the transaction that
   * still holds the session lock: nothing can end the session between the check and the token,
   * and if the commit fails the token is never sent.
   */
  private async access(em: EntityManager, booking: BookingSnapshot, endsAt: Date, role: ParticipantRole, now: Date): Promise<SessionAccessResponse> {
    const record = await mustFindSession(em, booking.bookingId);
    const uids = uidsForParticipants(booking.studentId, booking.tutorId);
    const uid = role === 'student' ? uids.studentUid : uids.tutorUid;
    return {
      session: toSessionView(booking, endsAt, record),
      agora: this.tokens.issue(record.channelName, uid, this.window.tokenExpiry(endsAt)),
      serverTime: now.toISOString(),
    };
  }
}

async function mustFindSession(em: EntityManager, bookingId: string): Promise<SessionRecord> {
  const record = await findSessionByBooking(em, bookingId);
  if (!record) throw new Error(`session of booking ${bookingId} vanished inside its transaction`);
  return record;
}

async function mustFindSnapshot(em: EntityManager, bookingId: string): Promise<BookingSnapshot> {
  const booking = await findSnapshot(em, bookingId);
  if (!booking) throw new Error(`booking snapshot ${bookingId} vanished inside its transaction`);
  return booking;
}

function scheduledDuration(startsAt: Date, endsAt: Date): number {
  return Math.max(0, Math.floor((endsAt.getTime() - startsAt.getTime()) / 1000));
}

export const { requireActor } = actorChecks({
  unauthenticated: { code: 'auth.unauthenticated', message: 'Sign in to take part in a session.' },
});
