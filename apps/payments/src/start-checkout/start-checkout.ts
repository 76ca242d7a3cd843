import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor, OwnerBooking } from '@tutorhub/contracts';
import { notReady, OutboxService, ReadYourWrites } from '@tutorhub/messaging';
import { PG, pgCode } from '@tutorhub/persistence';
import { AppError, Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import { ChapaClient } from '../chapa/chapa.client';
import type { PaymentsConfig } from '../config';
import { inTransaction, minor } from '../shared/db';
import { failPayment, paymentEventData, paymentUnavailable } from '../shared/payment-helpers';
import { findPricedBooking, lockBooking } from '../stores/booking.store';
import {
  findPayment,
  insertInitiatedPayment,
  lockLivePayment,
  lockPayment,
  saveCheckoutUrl,
  type PaymentRow,
  type PaymentStatus,
} from '../stores/payment.store';

/** A payment whose initiation never got a checkout URL within this time was abandoned. */
const STALE_INITIATION_MS = 60_000;

/**
 * The booking's student starts paying: one live payment per booking (a partial unique index),
 * a Chapa checkout opened outside any transaction, and a double tap waits for the first call
 * instead of opening a second checkout.
 */
@Injectable()
export class StartCheckout {
  private readonly logger = new Logger('Payments');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly chapa: ChapaClient,
    private readonly outbox: OutboxService,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async initiate(
    actor: Actor,
    bookingId: string,
    owner?: OwnerBooking,
  ): Promise<{ paymentId: string; txRef: string; checkoutUrl: string; status: PaymentStatus }> {
    if (actor.role !== 'student') throw new AppError(403, 'payment.forbidden_role', 'Only the student of a booking pays for it.');
    if (owner) await this.catchUp(actor, bookingId, owner);
    const now = this.clock.now();
    const decided = await this.retryOnLiveConflict(() =>
      inTransaction(this.ds, async (em) => {
        const booking = await lockBooking(em, bookingId);
        if (!booking || booking.student_id !== actor.userId) throw new AppError(404, 'booking.not_found', 'No such booking.');
        const live = await lockLivePayment(em, bookingId);
        if (live?.checkout_url) return { kind: 'existing' as const, payment: live };
        if (live) {
          // Another call is opening the checkout right now (a double tap): wait for it below.
          if (now.getTime() - new Date(live.created_at).getTime() < STALE_INITIATION_MS) return { kind: 'in_progress' as const, payment: live };
          // It never got a checkout URL, so nobody can have paid it: retire it.
          await failPayment(em, this.outbox, live, 'initiation_abandoned', now);
        }
        if (booking.status !== 'accepted' || booking.price_minor === null || booking.currency === null || booking.starts_at === null) {
          throw new AppError(409, 'booking.not_payable', `The booking cannot be paid (it is ${booking.status}).`);
        }
        if (now.getTime() >= new Date(booking.starts_at).getTime()) {
          throw new AppError(409, 'booking.payment_window_closed', 'The booking had to be paid before it starts.');
        }
        const id = randomUUID();
        const txRef = `TH-${randomBytes(12).toString('hex')}`;
        const created = await insertInitiatedPayment(em, {
          id,
          bookingId,
          studentId: booking.student_id,
          tutorId: booking.tutor_id,
          txRef,
          amountMinor: booking.price_minor,
          currency: booking.currency,
          now,
        });
        return { kind: 'new' as const, payment: created };
      }),
    );
    if (decided.kind === 'existing') return this.initiationView(decided.payment);
    if (decided.kind === 'in_progress') return this.awaitInitiation(decided.payment.id);
    const p = decided.payment;
    const base = this.config.PUBLIC_BASE_URL.replace(/\/+$/, '');
    let checkoutUrl: string;
    try {
      ({ checkoutUrl } = await this.chapa.initialize({
        txRef: p.tx_ref,
        amountMinor: minor(p.amount_minor),
        currency: p.currency,
        callbackUrl: `${base}/api/payments/chapa/callback`,
        // The buyer's browser comes back to a page for people (the gateway's return page); the
        // callback above stays for machines.
        returnUrl: `${base}/api/payments/chapa/return?tx_ref=${encodeURIComponent(p.tx_ref)}`,
        customization: { title: 'tutorhub', description: 'Tutoring lesson' },
        meta: { bookingId: p.booking_id, paymentId: p.id },
      }));
    } catch (err) {
      this.logger.warn(`Chapa initialize failed for payment ${p.id}: ${(err as Error).message}`);
      await inTransaction(this.ds, async (em) => {
        const row = await lockPayment(em, p.id);
        if (row?.status === 'initiated' && !row.checkout_url) await failPayment(em, this.outbox, row, 'chapa_initialize_failed', this.clock.now());
      });
      throw paymentUnavailable('Chapa could not open a checkout.');
    }
    const saved = await inTransaction(this.ds, async (em) => {
      const row = await saveCheckoutUrl(em, p.id, checkoutUrl, this.clock.now());
      await this.outbox.add(em, 'payments.payment.initiated.v1', paymentEventData(p));
      return row;
    });
    return this.initiationView(saved);
  }

  /** Waits (briefly, in real time) for a concurrent call to finish opening the checkout. */
  /** Waits (briefly, in real time) for a concurrent call to finish opening the checkout. */
  private async awaitInitiation(paymentId: string) {
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const p = await findPayment(this.ds, paymentId);
      if (p?.checkout_url) return this.initiationView(p);
      if (!p || p.status !== 'initiated') break;
    }
    throw new AppError(409, 'payment.initiation_in_progress', 'A checkout is being opened for this booking; try again in a moment.');
  }

  /** Two concurrent first initiations: the loser of the unique index returns the winner's payment. */
  private async retryOnLiveConflict<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (pgCode(err) !== PG.uniqueViolation || attempt >= 3) throw err;
      }
    }
  }

  private initiationView(p: PaymentRow) {
    return { paymentId: p.id, txRef: p.tx_ref, checkoutUrl: p.checkout_url ?? '', status: p.status };
  }

  /**
   * Read-your-writes (ADR 0006): the gateway passes the owner's booking when our copy lacked it.
   * The student right after the tutor accepted must not hear "no such booking": a booking the
   * tutor accepted reaches us with `booking.accepted`, so wait for it (bounded, woken when it is
   * handled). One still only requested has nothing to pay yet.
   */
  private async catchUp(actor: Actor, bookingId: string, owner: OwnerBooking): Promise<void> {
    if (owner.studentId !== actor.userId) throw new AppError(404, 'booking.not_found', 'No such booking.');
    if (owner.status === 'requested') {
      throw new AppError(409, 'booking.not_payable', 'The tutor has not accepted this booking yet; it can be paid once accepted.');
    }
    const known = await this.readYourWrites.await(bookingId, () =>
      // Known once `booking.accepted` (which carries the price) was handled.
      findPricedBooking(this.ds, bookingId),
    );
    if (!known) throw notReady('payment.not_ready', 'The booking’s payment');
  }
}
