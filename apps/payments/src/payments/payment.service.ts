import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor, OwnerBooking } from '@tutorhub/contracts';
import { notReady, OutboxService, ReadYourWrites } from '@tutorhub/messaging';
import { PG, pgCode } from '@tutorhub/persistence';
import { AppError, Clock, counter } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import { ChapaError } from '../chapa/chapa-error';
import { ChapaClient, type ChapaVerifyResult } from '../chapa/chapa.client';
import type { PaymentsConfig } from '../config';
import { paymentSuspendedPosting, suspenseRefundedPosting } from '../domain/ledger';
import type { Currency } from '../domain/money';
import { EscrowService } from '../escrow/escrow.service';
import { lockBooking, lockEscrowByBooking } from '../escrow/escrow.store';
import { LedgerRepository } from '../ledger/ledger.repository';
import { RefundProcessor, type RefundRow } from '../refunds/refund.processor';
import { inTransaction, minor, one, rows, single } from '../shared/db';

const verifications = counter('payments_verifications_total', 'Chapa verify outcomes for payments', ['outcome']);

export type PaymentStatus = 'initiated' | 'succeeded' | 'failed' | 'flagged' | 'refunded';

export interface PaymentRow {
  id: string;
  booking_id: string;
  student_id: string;
  tutor_id: string;
  tx_ref: string;
  amount_minor: string;
  currency: Currency;
  status: PaymentStatus;
  checkout_url: string | null;
  chapa_reference: string | null;
  verified_at: Date | null;
  failure_reason: string | null;
  /** What Chapa says it received, for a flagged payment (the suspense account holds it). */
  received_minor: string | null;
  received_currency: Currency | null;
  created_at: Date;
}

/** What a verification did; `unavailable` means Chapa could not be asked (retry later). */
export type ConfirmOutcome =
  | 'unknown_tx_ref'
  | 'already_final'
  | 'held'
  | 'refunded_on_arrival'
  | 'flagged'
  | 'failed'
  | 'not_paid'
  | 'unavailable';

/** A payment whose initiation never got a checkout URL within this time was abandoned. */
const STALE_INITIATION_MS = 60_000;

function paymentUnavailable(message: string): Error {
  // 503 passes through the RPC layer with its code (it is not a caller error, not a crash).
  return Object.assign(new Error(message), { status: 503, code: 'chapa.unavailable' });
}

/**
 * Payments from initiation to a verified capture.
 *
 * Nothing Chapa *sends* us is believed: a webhook or callback only names a tx_ref, and the money
 * moves only after our own `GET /transaction/verify/{tx_ref}` says success with the amount,
 * currency and tx_ref we expect. The capture then runs in one transaction that locks the booking
 * and the payment rows and re-checks the payment status, so replays and concurrent duplicates
 * (webhook + callback + reconciliation at once) find the work done and change nothing.
 */
@Injectable()
export class PaymentService {
  private readonly logger = new Logger('Payments');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly chapa: ChapaClient,
    private readonly outbox: OutboxService,
    private readonly escrows: EscrowService,
    private readonly refunds: RefundProcessor,
    private readonly readYourWrites: ReadYourWrites,
    private readonly ledger: LedgerRepository,
  ) {}

  // ---- initiation ----

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
        const live = await one<PaymentRow>(
          em,
          `SELECT * FROM payments.payments WHERE booking_id = $1 AND status IN ('initiated', 'succeeded') FOR UPDATE`,
          [bookingId],
        );
        if (live?.checkout_url) return { kind: 'existing' as const, payment: live };
        if (live) {
          // Another call is opening the checkout right now (a double tap): wait for it below.
          if (now.getTime() - new Date(live.created_at).getTime() < STALE_INITIATION_MS) return { kind: 'in_progress' as const, payment: live };
          // It never got a checkout URL, so nobody can have paid it: retire it.
          await this.markFailed(em, live, 'initiation_abandoned', now);
        }
        if (booking.status !== 'accepted' || booking.price_minor === null || booking.currency === null || booking.starts_at === null) {
          throw new AppError(409, 'booking.not_payable', `The booking cannot be paid (it is ${booking.status}).`);
        }
        if (now.getTime() >= new Date(booking.starts_at).getTime()) {
          throw new AppError(409, 'booking.payment_window_closed', 'The booking had to be paid before it starts.');
        }
        const id = randomUUID();
        const txRef = `TH-${randomBytes(12).toString('hex')}`;
        const created = await single<PaymentRow>(
          em,
          `INSERT INTO payments.payments (id, booking_id, student_id, tutor_id, tx_ref, amount_minor, currency, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'initiated', $8, $8) RETURNING *`,
          [id, bookingId, booking.student_id, booking.tutor_id, txRef, booking.price_minor, booking.currency, now],
        );
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
        const row = await one<PaymentRow>(em, `SELECT * FROM payments.payments WHERE id = $1 FOR UPDATE`, [p.id]);
        if (row?.status === 'initiated' && !row.checkout_url) await this.markFailed(em, row, 'chapa_initialize_failed', this.clock.now());
      });
      throw paymentUnavailable('Chapa could not open a checkout.');
    }
    const saved = await inTransaction(this.ds, async (em) => {
      const row = await single<PaymentRow>(
        em,
        `UPDATE payments.payments SET checkout_url = $2, updated_at = $3 WHERE id = $1 AND status = 'initiated' RETURNING *`,
        [p.id, checkoutUrl, this.clock.now()],
      );
      await this.outbox.add(em, 'payments.payment.initiated.v1', this.eventData(p));
      return row;
    });
    return this.initiationView(saved);
  }

  /** Waits (briefly, in real time) for a concurrent call to finish opening the checkout. */
  private async awaitInitiation(paymentId: string) {
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const p = await one<PaymentRow>(this.ds, `SELECT * FROM payments.payments WHERE id = $1`, [paymentId]);
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

  // ---- verification and capture ----

  /**
   * Verifies a payment with Chapa and applies the result once. Safe to call any number of
   * times, concurrently, from the webhook, the callback and the reconciliation job.
   */
  async confirm(txRef: string, source: string): Promise<ConfirmOutcome> {
    const known = await one<PaymentRow>(this.ds, `SELECT * FROM payments.payments WHERE tx_ref = $1`, [txRef]);
    if (!known) {
      this.logger.warn(`${source}: no payment with tx_ref ${JSON.stringify(txRef.slice(0, 100))}; ignored`);
      return 'unknown_tx_ref';
    }
    if (known.status === 'succeeded' || known.status === 'refunded' || known.status === 'flagged') return 'already_final';

    let verified: ChapaVerifyResult;
    try {
      verified = await this.chapa.verify(txRef);
    } catch (err) {
      verifications.inc({ outcome: 'unavailable' });
      this.logger.warn(`${source}: verify of ${txRef} failed: ${(err as Error).message}`);
      if (err instanceof ChapaError && !err.retryable && err.code !== 'unauthorized') {
        // Chapa answered something we cannot read as a success: nothing is believed.
        return 'not_paid';
      }
      return 'unavailable';
    }
    await inTransaction(this.ds, (em) =>
      em.query(`UPDATE payments.payments SET last_checked_at = $2 WHERE id = $1`, [known.id, this.clock.now()]),
    );
    if (verified.kind !== 'paid') {
      verifications.inc({ outcome: verified.kind });
      const chapaStatus = verified.kind === 'not_paid' ? verified.status : null;
      const failedAtChapa = chapaStatus !== null && /^(fail|cancel|declin|expir|reject)/.test(chapaStatus);
      if (!failedAtChapa) return 'not_paid';
      return inTransaction(this.ds, async (em) => {
        const p = await one<PaymentRow>(em, `SELECT * FROM payments.payments WHERE id = $1 FOR UPDATE`, [known.id]);
        if (!p || p.status !== 'initiated') return 'already_final';
        await this.markFailed(em, p, `chapa_${chapaStatus}`, this.clock.now());
        return 'failed';
      });
    }

    const outcome = await inTransaction(this.ds, async (em) => {
      // Lock order: booking, then payment (the same order as every escrow change).
      const booking = await lockBooking(em, known.booking_id);
      const p = await single<PaymentRow>(em, `SELECT * FROM payments.payments WHERE id = $1 FOR UPDATE`, [known.id]);
      if (p.status !== 'initiated' && p.status !== 'failed') return 'already_final' as const;
      const now = this.clock.now();

      const expected = { amountMinor: minor(p.amount_minor), currency: p.currency, txRef: p.tx_ref };
      if (verified.amountMinor !== expected.amountMinor || verified.currency !== expected.currency || verified.txRef !== expected.txRef) {
        const detail = `verify mismatch: expected ${expected.amountMinor} ${expected.currency} ${expected.txRef}, Chapa says ${verified.amountMinor} ${verified.currency} ${verified.txRef}`;
        this.logger.error(`payment ${p.id} flagged (${source}): ${detail}; the money is held in suspense`);
        await em.query(
          `UPDATE payments.payments SET status = 'flagged', failure_reason = $2, chapa_reference = $3, updated_at = $4 WHERE id = $1`,
          [p.id, detail.slice(0, 500), verified.reference || null, now],
        );
        // The money is at Chapa all the same: book it (cash ↑ / suspense ↑), so platform cash
        // matches Chapa and an operator can send it back (refundFlagged).
        await this.suspend(em, p, { amountMinor: verified.amountMinor, currency: verified.currency }, detail, now);
        await this.outbox.add(em, 'payments.payment.failed.v1', { ...this.eventData(p), reason: 'verification_mismatch' });
        return 'flagged' as const;
      }

      const escrow = await lockEscrowByBooking(em, p.booking_id);
      const holdable = booking?.status === 'accepted' && !escrow;
      if (!holdable) {
        // Paid, but there is nothing to hold it for any more: the booking was cancelled, expired
        // or declined meanwhile, or (defensively) it is already paid. Refund everything.
        const reason = escrow ? 'duplicate_payment' : `booking_${booking?.status ?? 'unknown'}`;
        await this.captureAndRefund(em, p, verified.reference, reason, now, !escrow);
        return 'refunded_on_arrival' as const;
      }
      // A late success of a payment we had given up on: retire any other live checkout first.
      const other = await rows<PaymentRow>(
        em,
        `SELECT * FROM payments.payments WHERE booking_id = $1 AND id <> $2 AND status = 'initiated' FOR UPDATE`,
        [p.booking_id, p.id],
      );
      for (const o of other) await this.markFailed(em, o, 'superseded', now);
      await em.query(
        `UPDATE payments.payments SET status = 'succeeded', verified_at = $2, chapa_reference = $3, failure_reason = NULL, updated_at = $2 WHERE id = $1`,
        [p.id, now, verified.reference || null],
      );
      await this.escrows.hold(em, p, now, { emitHeld: true });
      await this.outbox.add(em, 'payments.payment.succeeded.v1', this.eventData(p));
      return 'held' as const;
    });
    verifications.inc({ outcome });
    if (outcome === 'refunded_on_arrival') this.refunds.kickSoon();
    return outcome;
  }

  /**
   * The money arrived but cannot be held: capture it (cash ↑, escrow ↑) and refund it at once
   * (escrow → refunds_payable). With no escrow yet, the booking's escrow records it as refunded;
   * a second payment of an already paid booking has only a refund row.
   */
  private async captureAndRefund(em: EntityManager, p: PaymentRow, chapaReference: string, reason: string, now: Date, createEscrow: boolean) {
    // Straight to `refunded` (not a live status, so it never competes with a live payment).
    await em.query(
      `UPDATE payments.payments SET status = 'refunded', verified_at = $2, chapa_reference = $3, failure_reason = $4, updated_at = $2 WHERE id = $1`,
      [p.id, now, chapaReference || null, reason],
    );
    await this.outbox.add(em, 'payments.payment.succeeded.v1', this.eventData(p));
    if (createEscrow) {
      const escrow = await this.escrows.hold(em, p, now, { emitHeld: false });
      await this.escrows.settle(em, escrow, { action: 'refund', reason, now, source: 'payment' });
      return;
    }
    // Duplicate payment: no escrow of its own. Captured through the booking's escrow account
    // and straight out again to refunds_payable.
    await this.escrows.captureDuplicate(em, p, reason, now);
  }

  /** Books what Chapa received for a flagged payment into its suspense account, once. */
  private async suspend(em: EntityManager, p: PaymentRow, received: { amountMinor: number; currency: Currency }, memo: string, now: Date): Promise<void> {
    await em.query(`UPDATE payments.payments SET received_minor = $2, received_currency = $3 WHERE id = $1`, [p.id, received.amountMinor, received.currency]);
    await this.ledger.post(em, [
      {
        kind: 'payment_suspended',
        idempotencyKey: `suspense:${p.id}`,
        occurredAt: now,
        bookingId: p.booking_id,
        paymentId: p.id,
        memo: memo.slice(0, 500),
        entries: paymentSuspendedPosting({ paymentId: p.id, currency: received.currency, amountMinor: received.amountMinor }),
      },
    ]);
  }

  /**
   * An operator sends a flagged payment's money back to the payer: suspense → refunds_payable,
   * and a full refund of the Chapa transaction goes through the refund processor like any other.
   * The payment becomes `refunded`. A payment flagged before suspense existed has no received
   * amount yet: Chapa's verify says what it received, and it is suspended first. Audited.
   */
  async refundFlagged(adminId: string, paymentId: string, note: string | null): Promise<{ payment: PaymentRow; refund: RefundRow }> {
    const known = await one<PaymentRow>(this.ds, `SELECT * FROM payments.payments WHERE id = $1`, [paymentId]);
    if (!known) throw new AppError(404, 'payment.not_found', 'No such payment.');
    if (known.status !== 'flagged') {
      throw new AppError(409, 'payment.not_refundable', `The payment is ${known.status}; only a flagged payment's money is refunded from suspense.`, {
        status: known.status,
      });
    }
    let received: { amountMinor: number; currency: Currency } | null =
      known.received_minor !== null && known.received_currency !== null ? { amountMinor: minor(known.received_minor), currency: known.received_currency } : null;
    if (!received) {
      let verified: ChapaVerifyResult;
      try {
        verified = await this.chapa.verify(known.tx_ref);
      } catch (err) {
        this.logger.warn(`admin refund of ${paymentId}: verify failed: ${(err as Error).message}`);
        throw paymentUnavailable('Chapa could not be asked what it received for this payment.');
      }
      if (verified.kind !== 'paid') {
        throw new AppError(409, 'payment.nothing_received', 'Chapa reports no money received for this payment; there is nothing to refund.');
      }
      received = { amountMinor: verified.amountMinor, currency: verified.currency };
    }
    const got = received;
    const result = await inTransaction(this.ds, async (em) => {
      await lockBooking(em, known.booking_id);
      const p = await single<PaymentRow>(em, `SELECT * FROM payments.payments WHERE id = $1 FOR UPDATE`, [paymentId]);
      if (p.status !== 'flagged') {
        throw new AppError(409, 'payment.not_refundable', `The payment is ${p.status}; only a flagged payment's money is refunded from suspense.`, {
          status: p.status,
        });
      }
      const now = this.clock.now();
      if (p.received_minor === null) await this.suspend(em, p, got, `suspended at admin refund: ${p.failure_reason ?? ''}`, now);
      const reason = `suspense_refund: ${note ?? p.failure_reason ?? 'verification mismatch'}`.slice(0, 500);
      await this.ledger.post(em, [
        {
          kind: 'suspense_refunded',
          idempotencyKey: `suspense_refunded:${p.id}`,
          occurredAt: now,
          bookingId: p.booking_id,
          paymentId: p.id,
          memo: reason,
          entries: suspenseRefundedPosting({ paymentId: p.id, bookingId: p.booking_id, currency: got.currency, amountMinor: got.amountMinor }),
        },
      ]);
      const refundId = await this.escrows.createRefund(em, {
        paymentId: p.id,
        escrowId: null,
        bookingId: p.booking_id,
        txRef: p.tx_ref,
        amountMinor: got.amountMinor,
        currency: got.currency,
        fullRefund: true,
        reason,
        now,
      });
      const refund = await single<RefundRow>(em, `UPDATE payments.refunds SET source = 'suspense' WHERE id = $1 RETURNING *`, [refundId]);
      const payment = await single<PaymentRow>(em, `UPDATE payments.payments SET status = 'refunded', updated_at = $2 WHERE id = $1 RETURNING *`, [p.id, now]);
      await em.query(
        `INSERT INTO payments.admin_actions (admin_id, action, subject_type, subject_id, detail, created_at)
         VALUES ($1, 'suspense_refund', 'payment', $2, $3, $4)`,
        [adminId, p.id, JSON.stringify({ refundId, amountMinor: got.amountMinor, currency: got.currency, note }), now],
      );
      return { payment, refund };
    });
    this.logger.log(`flagged payment ${paymentId}: ${got.amountMinor} ${got.currency} sent back from suspense by admin ${adminId}`);
    this.refunds.kickSoon();
    return result;
  }

  private async markFailed(em: EntityManager, p: PaymentRow, reason: string, now: Date): Promise<void> {
    await em.query(`UPDATE payments.payments SET status = 'failed', failure_reason = $2, updated_at = $3 WHERE id = $1`, [p.id, reason, now]);
    await this.outbox.add(em, 'payments.payment.failed.v1', { ...this.eventData(p), reason });
  }

  private eventData(p: PaymentRow) {
    return {
      paymentId: p.id,
      bookingId: p.booking_id,
      studentId: p.student_id,
      tutorId: p.tutor_id,
      txRef: p.tx_ref,
      amount: { amountMinor: minor(p.amount_minor), currency: p.currency },
    };
  }

  // ---- reconciliation ----

  /**
   * Payments still `initiated` some minutes after they were opened (or last checked) are
   * verified again: a lost webhook never leaves money unaccounted for. Claimed with SKIP LOCKED
   * and stamped `last_checked_at`, so replicas share the work instead of repeating it.
   */
  async reconcileOnce(): Promise<number> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.config.PAYMENT_RECONCILE_AFTER_MINUTES * 60_000);
    const claimed = await inTransaction(this.ds, (em) =>
      rows<{ tx_ref: string; id: string; checkout_url: string | null; created_at: Date }>(
        em,
        `WITH due AS (
           SELECT id FROM payments.payments
            WHERE status = 'initiated' AND created_at <= $1 AND (last_checked_at IS NULL OR last_checked_at <= $1)
            ORDER BY created_at
            LIMIT 200
              FOR UPDATE SKIP LOCKED
         )
         UPDATE payments.payments p SET last_checked_at = $2 FROM due WHERE p.id = due.id
         RETURNING p.id, p.tx_ref, p.checkout_url, p.created_at`,
        [cutoff, now],
      ),
    );
    for (const c of claimed) {
      const outcome = await this.confirm(c.tx_ref, 'reconcile');
      if (outcome === 'not_paid') await this.abandonIfPastStart(c.id);
    }
    return claimed.length;
  }

  /**
   * A checkout nobody paid by the lesson's start will never be held (bookings expires the
   * booking); it is marked failed. If Chapa still reports a success later, `confirm` captures it
   * and refunds it in full: a failed payment is not final when money turns up.
   */
  private async abandonIfPastStart(paymentId: string): Promise<void> {
    await inTransaction(this.ds, async (em) => {
      const p = await one<PaymentRow & { starts_at: Date | null; booking_status: string }>(
        em,
        `SELECT p.*, b.starts_at, b.status AS booking_status FROM payments.payments p JOIN payments.bookings b USING (booking_id)
          WHERE p.id = $1 FOR UPDATE OF p`,
        [paymentId],
      );
      if (!p || p.status !== 'initiated') return;
      const past = p.starts_at !== null && new Date(p.starts_at).getTime() <= this.clock.now().getTime();
      if (past || p.booking_status !== 'accepted') await this.markFailed(em, p, 'abandoned', this.clock.now());
    });
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
      one<{ booking_id: string }>(this.ds, `SELECT booking_id FROM payments.bookings WHERE booking_id = $1 AND price_minor IS NOT NULL`, [bookingId]),
    );
    if (!known) throw notReady('payment.not_ready', 'The booking’s payment');
  }
}
