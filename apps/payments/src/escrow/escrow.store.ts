import type { EntityManager } from 'typeorm';
import type { EscrowStatus } from '../domain/escrow-status';
import type { Currency } from '../domain/money';
import { one } from '../shared/db';

export interface EscrowRow {
  id: string;
  booking_id: string;
  payment_id: string;
  student_id: string;
  tutor_id: string;
  amount_minor: string;
  currency: Currency;
  status: EscrowStatus;
  held_at: Date;
  release_at: Date | null;
  frozen_at: Date | null;
  released_at: Date | null;
  refunded_at: Date | null;
  refund_minor: string | null;
  tutor_minor: string | null;
  fee_minor: string | null;
  settle_reason: string | null;
  version: number;
}

export interface BookingRow {
  booking_id: string;
  student_id: string;
  tutor_id: string;
  price_minor: string | null;
  currency: Currency | null;
  starts_at: Date | null;
  ends_at: Date | null;
  status: 'accepted' | 'cancelled' | 'expired' | 'declined' | 'no_show';
  refund_bps: number | null;
}

export function lockBooking(em: EntityManager, bookingId: string): Promise<BookingRow | undefined> {
  return one<BookingRow>(em, `SELECT * FROM payments.bookings WHERE booking_id = $1 FOR UPDATE`, [bookingId]);
}

export function lockEscrowByBooking(em: EntityManager, bookingId: string): Promise<EscrowRow | undefined> {
  return one<EscrowRow>(em, `SELECT * FROM payments.escrows WHERE booking_id = $1 FOR UPDATE`, [bookingId]);
}

export function findEscrowByBooking(em: EntityManager, bookingId: string): Promise<EscrowRow | undefined> {
  return one<EscrowRow>(em, `SELECT * FROM payments.escrows WHERE booking_id = $1`, [bookingId]);
}
