import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RescheduleProposal } from '@tutorhub/contracts';
import { LIVE_STATUSES } from '../domain/booking-status';
import type { ProposalStatus } from '../domain/reschedule-rules';
import { iso, isoOrNull } from '../shared/sql';

export interface ProposalRecord {
  id: string;
  bookingId: string;
  proposedBy: string;
  startsAt: Date;
  endsAt: Date;
  status: ProposalStatus;
  expiresAt: Date;
  createdAt: Date;
  decidedAt: Date | null;
}

const COLUMNS = `id, booking_id AS "bookingId", proposed_by AS "proposedBy", starts_at AS "startsAt", ends_at AS "endsAt",
  status, expires_at AS "expiresAt", created_at AS "createdAt", decided_at AS "decidedAt"`;

export function toProposal(p: ProposalRecord): RescheduleProposal {
  return {
    id: p.id,
    bookingId: p.bookingId,
    proposedBy: p.proposedBy,
    startsAt: iso(p.startsAt),
    endsAt: iso(p.endsAt),
    status: p.status,
    expiresAt: iso(p.expiresAt),
    createdAt: iso(p.createdAt),
    decidedAt: isoOrNull(p.decidedAt),
  };
}

/** Reschedule proposals (SQL only here). Callers hold the booking's row lock. */
@Injectable()
export class RescheduleStore {
  /** The booking's open proposal, locked. */
  async lockOpen(em: EntityManager, bookingId: string): Promise<ProposalRecord | null> {
    const rows: ProposalRecord[] = await em.query(
      `SELECT ${COLUMNS} FROM bookings.reschedule_proposals WHERE booking_id = $1 AND status = 'proposed' FOR UPDATE`,
      [bookingId],
    );
    return rows[0] ?? null;
  }

  /** The newest proposal of a booking, whatever became of it (for an answer about one that is closed). */
  async latest(em: EntityManager, bookingId: string): Promise<ProposalRecord | null> {
    const rows: ProposalRecord[] = await em.query(
      `SELECT ${COLUMNS} FROM bookings.reschedule_proposals WHERE booking_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
      [bookingId],
    );
    return rows[0] ?? null;
  }

  /** One open proposal per booking: a new one replaces the open one (`superseded`). */
  async supersede(em: EntityManager, bookingId: string, now: Date): Promise<void> {
    await em.query(
      `UPDATE bookings.reschedule_proposals SET status = 'superseded', decided_at = $2 WHERE booking_id = $1 AND status = 'proposed'`,
      [bookingId, now],
    );
  }

  async insert(em: EntityManager, p: Omit<ProposalRecord, 'status' | 'decidedAt'>): Promise<ProposalRecord> {
    const rows: ProposalRecord[] = await em.query(
      `INSERT INTO bookings.reschedule_proposals (id, booking_id, proposed_by, starts_at, ends_at, status, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7) RETURNING ${COLUMNS}`,
      [p.id, p.bookingId, p.proposedBy, p.startsAt, p.endsAt, p.expiresAt, p.createdAt],
    );
    return rows[0];
  }

  async decide(em: EntityManager, id: string, status: Exclude<ProposalStatus, 'proposed'>, by: string | null, now: Date): Promise<ProposalRecord> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
    const [rows]: [ProposalRecord[], number] = await em.query(
      `UPDATE bookings.reschedule_proposals SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, status, by, now],
    );
    return rows[0];
  }

  /** Claims open proposals past their expiry (every replica may run the job: SKIP LOCKED). */
  async claimExpired(em: EntityManager, now: Date, limit: number): Promise<ProposalRecord[]> {
    return em.query(
      `SELECT ${COLUMNS} FROM bookings.reschedule_proposals
        WHERE status = 'proposed' AND expires_at <= $1
        ORDER BY expires_at, id LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
  }

  /**
   * Moves the booking to its new slot. The no-overlap exclusion constraints decide whether the
   * slot is still free (the caller maps a violation to 409). Deadlines follow the new start, as
   * when the booking was requested; `slot_sequence` orders the moves for consumers.
   */
  async moveBooking(
    em: EntityManager,
    bookingId: string,
    slot: { startsAt: Date; endsAt: Date; acceptDeadline: Date; paymentDeadline: Date; now: Date },
  ): Promise<number> {
    const [rows]: [Array<{ slot_sequence: number }>, number] = await em.query(
      `UPDATE bookings.bookings
          SET starts_at = $2, ends_at = $3, accept_deadline = $4, payment_deadline = $5,
              slot_sequence = slot_sequence + 1, version = version + 1, updated_at = $6
        WHERE id = $1 RETURNING slot_sequence`,
      [bookingId, slot.startsAt, slot.endsAt, slot.acceptDeadline, slot.paymentDeadline, slot.now],
    );
    return rows[0].slot_sequence;
  }

  /** Is the tutor's time free for the booking's new slot (its own current slot aside)? An early 409; the constraint decides. */
  async tutorBusy(em: EntityManager, tutorId: string, bookingId: string, startsAt: Date, endsAt: Date): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `SELECT 1 FROM bookings.bookings
        WHERE tutor_id = $1 AND id <> $2 AND status = ANY($5)
          AND tstzrange(starts_at, ends_at, '[)') && tstzrange($3, $4, '[)') LIMIT 1`,
      [tutorId, bookingId, startsAt, endsAt, LIVE_STATUSES],
    );
    return rows.length > 0;
  }
}
