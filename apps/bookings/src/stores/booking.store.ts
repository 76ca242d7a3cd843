import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor, Booking, Currency, Role } from '@tutorhub/contracts';
import { PG, pgCode, pgConstraint } from '@tutorhub/persistence';
import { AppError, Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { BookingsConfig } from '../config';
import { transition, type BookingAction, type BookingStatus } from '../domain/booking-status';
import type { MoneyState, MoneyStatus } from '../domain/money-status';
import { bookingNotFound, partyOf } from '../shared/access';
import type { CursorKey } from '../shared/cursor';
import { iso, isoOrNull, toSafeInt } from '../shared/sql';

export type AbsentParty = 'student' | 'tutor' | 'both';

/** A booking row as the service works with it (inside a transaction, usually locked). */
export interface BookingRecord {
  id: string;
  studentId: string;
  tutorId: string;
  subject: string;
  note: string | null;
  status: BookingStatus;
  priceMinor: number;
  currency: Currency;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  acceptDeadline: Date;
  paymentDeadline: Date;
  moneyStatus: MoneyStatus;
  escrowId: string | null;
  refundedMinor: number;
  releasedMinor: number;
  absentParty: AbsentParty | null;
  /** How many times the booking was rescheduled (consumers keep the newest slot). */
  slotSequence: number;
  version: number;
}

/** Columns a change may set, by field name (never from input: these names are code constants). */
const WRITABLE = {
  status: 'status',
  moneyStatus: 'money_status',
  escrowId: 'escrow_id',
  refundedMinor: 'refunded_minor',
  releasedMinor: 'released_minor',
  acceptedAt: 'accepted_at',
  declinedAt: 'declined_at',
  declineReason: 'decline_reason',
  confirmedAt: 'confirmed_at',
  sessionStartedAt: 'session_started_at',
  sessionEndedAt: 'session_ended_at',
  completedAt: 'completed_at',
  expiredAt: 'expired_at',
  expiryReason: 'expiry_reason',
  noShowAt: 'no_show_at',
  absentParty: 'absent_party',
  cancelledAt: 'cancelled_at',
  cancelledBy: 'cancelled_by',
  cancelledByRole: 'cancelled_by_role',
  cancelReason: 'cancel_reason',
  refundBps: 'refund_bps',
} as const;

export type BookingPatch = Partial<{
  status: BookingStatus;
  moneyStatus: MoneyStatus;
  escrowId: string;
  refundedMinor: number;
  releasedMinor: number;
  acceptedAt: Date;
  declinedAt: Date;
  declineReason: string | null;
  confirmedAt: Date;
  sessionStartedAt: Date;
  sessionEndedAt: Date;
  completedAt: Date;
  expiredAt: Date;
  expiryReason: 'not_accepted' | 'not_paid';
  noShowAt: Date;
  absentParty: AbsentParty;
  cancelledAt: Date;
  cancelledBy: string;
  cancelledByRole: Role;
  cancelReason: string | null;
  refundBps: number;
}>;

const RECORD_COLUMNS = `
  b.id, b.student_id AS "studentId", b.tutor_id AS "tutorId", b.subject, b.note, b.status,
  b.price_minor AS "priceMinor", b.currency, b.starts_at AS "startsAt", b.ends_at AS "endsAt",
  b.duration_minutes AS "durationMinutes", b.accept_deadline AS "acceptDeadline",
  b.payment_deadline AS "paymentDeadline", b.money_status AS "moneyStatus", b.escrow_id AS "escrowId",
  b.refunded_minor AS "refundedMinor", b.released_minor AS "releasedMinor", b.absent_party AS "absentParty", b.slot_sequence AS "slotSequence", b.version`;

type RawRecord = Omit<BookingRecord, 'priceMinor' | 'refundedMinor' | 'releasedMinor'> & {
  priceMinor: string;
  refundedMinor: string;
  releasedMinor: string;
};

function toRecord(raw: RawRecord): BookingRecord {
  return {
    ...raw,
    priceMinor: toSafeInt(raw.priceMinor, 'price_minor'),
    refundedMinor: toSafeInt(raw.refundedMinor, 'refunded_minor'),
    releasedMinor: toSafeInt(raw.releasedMinor, 'released_minor'),
  };
}

/** The full booking as clients see it: the row plus names, reviews and the dispute. */
export const BOOKING_VIEW_SELECT = `
  SELECT b.*, su.full_name AS student_name, tu.full_name AS tutor_name,
         ARRAY(SELECT r.author_role FROM bookings.reviews r WHERE r.booking_id = b.id ORDER BY r.author_role) AS reviewed_by,
         d.id AS dispute_id, d.status AS dispute_status, d.outcome AS dispute_outcome
    FROM bookings.bookings b
    LEFT JOIN bookings.users su ON su.id = b.student_id
    LEFT JOIN bookings.users tu ON tu.id = b.tutor_id
    LEFT JOIN bookings.disputes d ON d.booking_id = b.id`;

export interface BookingViewRow {
  id: string;
  student_id: string;
  tutor_id: string;
  student_name: string | null;
  tutor_name: string | null;
  subject: string;
  note: string | null;
  status: BookingStatus;
  price_minor: string;
  currency: Currency;
  starts_at: Date;
  ends_at: Date;
  duration_minutes: number;
  accept_deadline: Date;
  payment_deadline: Date;
  money_status: MoneyStatus;
  created_at: Date;
  updated_at: Date;
  accepted_at: Date | null;
  confirmed_at: Date | null;
  session_started_at: Date | null;
  session_ended_at: Date | null;
  decline_reason: string | null;
  expiry_reason: 'not_accepted' | 'not_paid' | null;
  absent_party: AbsentParty | null;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  cancelled_by_role: Role | null;
  cancel_reason: string | null;
  refund_bps: number | null;
  reviewed_by: Array<'student' | 'tutor'>;
  dispute_id: string | null;
  dispute_status: 'open' | 'resolved' | 'closed' | null;
  dispute_outcome: 'release' | 'refund' | 'split' | null;
  version: number;
}

/** The session's start window around a lesson's start (docs/design.md §4). */
export interface StartWindowMinutes {
  readonly earlyMinutes: number;
  readonly lateMinutes: number;
}

export function startWindow(startsAt: Date, w: StartWindowMinutes): { canStartFrom: Date; canStartUntil: Date } {
  return {
    canStartFrom: new Date(startsAt.getTime() - w.earlyMinutes * 60_000),
    canStartUntil: new Date(startsAt.getTime() + w.lateMinutes * 60_000),
  };
}

export function toBooking(r: BookingViewRow, w: StartWindowMinutes): Booking {
  const window = startWindow(new Date(r.starts_at), w);
  return {
    id: r.id,
    studentId: r.student_id,
    tutorId: r.tutor_id,
    studentName: r.student_name,
    tutorName: r.tutor_name,
    subject: r.subject,
    note: r.note,
    status: r.status,
    price: { amountMinor: toSafeInt(r.price_minor, 'price_minor'), currency: r.currency },
    startsAt: iso(r.starts_at),
    endsAt: iso(r.ends_at),
    durationMinutes: r.duration_minutes,
    acceptDeadline: iso(r.accept_deadline),
    paymentDeadline: iso(r.payment_deadline),
    moneyStatus: r.money_status,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    acceptedAt: isoOrNull(r.accepted_at),
    confirmedAt: isoOrNull(r.confirmed_at),
    sessionStartedAt: isoOrNull(r.session_started_at),
    sessionEndedAt: isoOrNull(r.session_ended_at),
    declineReason: r.decline_reason,
    expiryReason: r.expiry_reason,
    absentParty: r.absent_party,
    cancellation:
      r.cancelled_at && r.cancelled_by && r.cancelled_by_role && r.refund_bps !== null
        ? {
            cancelledBy: r.cancelled_by,
            cancelledByRole: r.cancelled_by_role,
            reason: r.cancel_reason,
            refundBasisPoints: r.refund_bps,
            cancelledAt: iso(r.cancelled_at),
          }
        : null,
    reviewedBy: r.reviewed_by,
    dispute: r.dispute_id && r.dispute_status ? { id: r.dispute_id, status: r.dispute_status, outcome: r.dispute_outcome } : null,
    canStartFrom: window.canStartFrom.toISOString(),
    canStartUntil: window.canStartUntil.toISOString(),
    version: r.version,
  };
}

export function moneyState(b: BookingRecord): MoneyState {
  return { status: b.moneyStatus, refundedMinor: b.refundedMinor, releasedMinor: b.releasedMinor };
}

/**
 * Reads and changes bookings. Every change of an existing booking goes through `lock` (SELECT …
 * FOR UPDATE in the caller's transaction) and then `transition`/`update`, so two concurrent
 * changes of one booking are serialised and the second one sees the first one's result.
 */
@Injectable()
export class BookingStore {
  readonly window: StartWindowMinutes;

  constructor(
    private readonly clock: Clock,
    @Inject(CONFIG) config: BookingsConfig,
  ) {
    this.window = { earlyMinutes: config.SESSION_START_EARLY_MINUTES, lateMinutes: config.SESSION_START_LATE_MINUTES };
  }

  /** A view row as clients see it. */
  toBooking = (r: BookingViewRow): Booking => toBooking(r, this.window);

  async lock(em: EntityManager, id: string): Promise<BookingRecord | null> {
    const rows: RawRecord[] = await em.query(`SELECT ${RECORD_COLUMNS} FROM bookings.bookings b WHERE b.id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * `lock` for many bookings in one statement (a batch of events, ADR 0022), in id order: two
   * transactions locking overlapping sets take the rows in the same order and cannot deadlock
   * on each other. Bookings we do not have are absent from the map.
   */
  async lockMany(em: EntityManager, ids: readonly string[]): Promise<Map<string, BookingRecord>> {
    const rows: RawRecord[] = await em.query(`SELECT ${RECORD_COLUMNS} FROM bookings.bookings b WHERE b.id = ANY($1::uuid[]) ORDER BY b.id FOR UPDATE`, [ids]);
    return new Map(rows.map((r) => [r.id, toRecord(r)]));
  }

  /**
   * The money fields of many bookings, locked by `lockMany` in this transaction, in one
   * statement. Each record's `version` is the one it reached in memory: one step per change, as
   * it would have moved with one `update` per change.
   */
  async updateMoneyMany(em: EntityManager, bookings: readonly BookingRecord[]): Promise<void> {
    if (bookings.length === 0) return;
    await em.query(
      `UPDATE bookings.bookings b
          SET money_status = u.money_status, refunded_minor = u.refunded_minor, released_minor = u.released_minor,
              updated_at = $6, version = u.version
         FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::int[]) AS u(id, money_status, refunded_minor, released_minor, version)
        WHERE b.id = u.id`,
      [
        bookings.map((b) => b.id),
        bookings.map((b) => b.moneyStatus),
        bookings.map((b) => b.refundedMinor),
        bookings.map((b) => b.releasedMinor),
        bookings.map((b) => b.version),
        this.clock.now(),
      ],
    );
  }

  /** Applies a state-machine action (409 `booking.invalid_transition` if not allowed) plus its fields. */
  async transition(em: EntityManager, booking: BookingRecord, action: BookingAction, patch: BookingPatch = {}): Promise<BookingRecord> {
    const status = transition(booking.status, action);
    return this.update(em, booking, { ...patch, status });
  }

  async update(em: EntityManager, booking: BookingRecord, patch: BookingPatch): Promise<BookingRecord> {
    const sets: string[] = [];
    const params: unknown[] = [booking.id, this.clock.now()];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const column = WRITABLE[field as keyof typeof WRITABLE];
      if (!column) throw new Error(`not a writable booking field: ${field}`);
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    await em.query(
      `UPDATE bookings.bookings SET ${[...sets, 'updated_at = $2', 'version = version + 1'].join(', ')} WHERE id = $1`,
      params,
    );
    const next = { ...booking, version: booking.version + 1 };
    for (const [field, value] of Object.entries(patch)) {
      if (value !== undefined && field in next) (next as Record<string, unknown>)[field] = value;
    }
    return next;
  }

  async view(em: EntityManager, id: string): Promise<Booking | null> {
    const rows: BookingViewRow[] = await em.query(`${BOOKING_VIEW_SELECT} WHERE b.id = $1`, [id]);
    return rows[0] ? this.toBooking(rows[0]) : null;
  }

  /** `view` of a booking the caller's transaction has just locked or written: it cannot be missing. */
  async viewInTransaction(em: EntityManager, id: string): Promise<Booking> {
    const booking = await this.view(em, id);
    if (!booking) throw new Error(`booking ${id} vanished inside its own transaction`);
    return booking;
  }

  /** `lock` for the booking's tutor: a tutor acting on another tutor's booking sees a 404, as for any booking they may not see. */
  async lockOwnTutorBooking(em: EntityManager, tutor: Actor, bookingId: string): Promise<BookingRecord> {
    const booking = await this.lock(em, bookingId);
    if (!booking || booking.tutorId !== tutor.userId) throw bookingNotFound();
    return booking;
  }

  /** `lock` for either participant (reschedule): anyone else sees a 404, as for any booking they may not see. */
  async lockOwnParticipantBooking(em: EntityManager, caller: Actor, bookingId: string): Promise<BookingRecord> {
    const booking = await this.lock(em, bookingId);
    if (!booking || partyOf(caller, booking) === null) throw bookingNotFound();
    return booking;
  }

  /**
   * Serialises identical retries of one student's request (transaction-scoped advisory lock), so
   * the second one finds the first's booking instead of colliding with it on the slot.
   */
  async lockIdempotencyKey(em: EntityManager, studentId: string, key: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`bookings.create:${studentId}:${key}`]);
  }

  async findByIdempotencyKey(em: EntityManager, studentId: string, key: string): Promise<Booking | null> {
    const rows: BookingViewRow[] = await em.query(`${BOOKING_VIEW_SELECT} WHERE b.student_id = $1 AND b.idempotency_key = $2`, [studentId, key]);
    return rows[0] ? this.toBooking(rows[0]) : null;
  }

  /** A new request; the no-overlap constraints may refuse it (see `overlapConflict`). */
  async insertRequested(em: EntityManager, b: NewBooking): Promise<void> {
    await em.query(
      `INSERT INTO bookings.bookings (id, student_id, tutor_id, subject, note, status, price_minor, currency, starts_at, ends_at,
                                      duration_minutes, accept_deadline, payment_deadline, idempotency_key, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
      [
        b.id,
        b.studentId,
        b.tutorId,
        b.subject,
        b.note,
        b.priceMinor,
        b.currency,
        b.startsAt,
        b.endsAt,
        b.durationMinutes,
        b.acceptDeadline,
        b.paymentDeadline,
        b.idempotencyKey,
        b.createdAt,
      ],
    );
  }

  /** Latest lesson first; `studentId`/`tutorId` narrow to one participant's bookings. */
  async list(em: EntityManager, opts: { studentId?: string; tutorId?: string; status?: BookingStatus; after: CursorKey | null; limit: number }): Promise<BookingViewRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.studentId !== undefined) {
      params.push(opts.studentId);
      where.push(`b.student_id = $${params.length}`);
    } else if (opts.tutorId !== undefined) {
      params.push(opts.tutorId);
      where.push(`b.tutor_id = $${params.length}`);
    }
    if (opts.status) {
      params.push(opts.status);
      where.push(`b.status = $${params.length}`);
    }
    if (opts.after) {
      params.push(opts.after.at, opts.after.id);
      where.push(`(b.starts_at, b.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(opts.limit + 1);
    return em.query(
      `${BOOKING_VIEW_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY b.starts_at DESC, b.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * Claims up to `limit` bookings past their accept or payment deadline with FOR UPDATE SKIP
   * LOCKED: concurrent passes split the work, and a row being changed right now is left for later.
   */
  async claimDueForExpiry(em: EntityManager, now: Date, limit: number): Promise<string[]> {
    const due: Array<{ id: string }> = await em.query(
      `SELECT id FROM bookings.bookings
        WHERE (status = 'requested' AND accept_deadline < $1) OR (status = 'accepted' AND payment_deadline < $1)
        ORDER BY starts_at, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return due.map((r) => r.id);
  }
}

/** The columns of a new request (`insertRequested`): the booking's own fields, before any change. */
export type NewBooking = Pick<
  BookingRecord,
  'id' | 'studentId' | 'tutorId' | 'subject' | 'note' | 'priceMinor' | 'currency' | 'startsAt' | 'endsAt' | 'durationMinutes' | 'acceptDeadline' | 'paymentDeadline'
> & { idempotencyKey: string | null; createdAt: Date };

/** The ids every booking event carries. */
export function parties(b: Pick<BookingRecord, 'id' | 'studentId' | 'tutorId'>) {
  return { bookingId: b.id, studentId: b.studentId, tutorId: b.tutorId };
}

/** The lesson's slot as events carry it. */
export function slot(b: Pick<BookingRecord, 'subject' | 'startsAt' | 'endsAt'>) {
  return { subject: b.subject, startsAt: iso(b.startsAt), endsAt: iso(b.endsAt) };
}

/**
 * The database's no-overlap constraints (docs/design.md §3) as the caller's problem: the tutor's slot is
 * taken (409 `booking.slot_taken`), or the student already has a lesson then (409
 * `booking.student_overlap`). Undefined for any other error.
 */
export function overlapConflict(err: unknown): AppError | undefined {
  if (pgCode(err) !== PG.exclusionViolation) return undefined;
  if (pgConstraint(err) === 'bookings_no_student_overlap') return new AppError(409, 'booking.student_overlap', 'You already have a lesson at that time.');
  return new AppError(409, 'booking.slot_taken', 'The tutor is not free at that time.');
}
