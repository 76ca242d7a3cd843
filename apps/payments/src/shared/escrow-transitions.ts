import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OutboxService } from '@tutorhub/messaging';
import { CONFIG } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { canTransition, transition, type EscrowAction } from '../domain/escrow-status';
import { splitRelease } from '../domain/fee';
import { Accounts, escrowRefundedPosting, escrowSettledPosting, paymentCapturedPosting } from '../domain/ledger';
import type { Currency } from '../domain/money';
import { splitByRefundBps, type RefundSplit } from '../domain/refund-split';
import {
  insertAudit,
  insertHeldEscrow,
  markFrozen,
  markReleaseScheduled,
  markSettled,
  type AuditInput,
  type EscrowRow,
} from '../stores/escrow.store';
import { LedgerStore, type LedgerTransactionKind } from '../stores/ledger.store';
import { findKnownPayment, markSucceededRefunded, type PaymentRow } from '../stores/payment.store';
import { insertRefund } from '../stores/refund.store';
import { minor } from './db';

export type SettleAction = 'release' | 'refund' | 'split';

/** How an escrow is settled: the action, the student's share for a split, and why / from where. */
export interface SettleInput {
  action: SettleAction;
  refundBps?: number;
  reason: string;
  now: Date;
  source: string;
}

export type { AuditInput };

export type CapturedPayment = Pick<PaymentRow, 'id' | 'booking_id' | 'student_id' | 'tutor_id' | 'tx_ref' | 'amount_minor' | 'currency'>;

/**
 * Every escrow state change goes through here, inside the caller's transaction and with the
 * escrow row locked by the caller (SELECT … FOR UPDATE). The domain state machine decides
 * whether an action is allowed; an action it refuses is recorded in escrow_audit and ignored,
 * which is what makes duplicated, late or reordered events harmless.
 */
@Injectable()
export class EscrowTransitions {
  private readonly logger = new Logger('Escrow');

  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ledger: LedgerStore,
    private readonly outbox: OutboxService,
  ) {}

  async audit(em: EntityManager, a: AuditInput): Promise<void> {
    await insertAudit(em, a);
    if (a.outcome === 'ignored') {
      this.logger.log(`escrow of booking ${a.bookingId}: ${a.action} ignored (${a.fromStatus ?? 'no escrow'}) from ${a.source}`);
    }
  }

  /** A verified payment becomes a held escrow: cash ↑, escrow ↑ (one balanced posting). */
  async hold(em: EntityManager, payment: CapturedPayment, now: Date, opts: { emitHeld: boolean }): Promise<EscrowRow> {
    const amount = minor(payment.amount_minor);
    const escrowId = randomUUID();
    const escrow = await insertHeldEscrow(em, {
      id: escrowId,
      bookingId: payment.booking_id,
      paymentId: payment.id,
      studentId: payment.student_id,
      tutorId: payment.tutor_id,
      amountMinor: amount,
      currency: payment.currency,
      now,
    });
    // The tutor's wallet account is created now, so the release job never has to.
    await this.ledger.ensureAccounts(em, [{ account: Accounts.tutorPayable(payment.tutor_id), currency: payment.currency }]);
    await this.ledger.post(em, [
      {
        kind: 'payment_captured',
        idempotencyKey: `capture:${payment.id}`,
        occurredAt: now,
        bookingId: payment.booking_id,
        escrowId,
        paymentId: payment.id,
        entries: paymentCapturedPosting({ bookingId: payment.booking_id, currency: payment.currency, amountMinor: amount }),
      },
    ]);
    if (opts.emitHeld) {
      await this.outbox.add(em, 'payments.escrow.held.v1', {
        escrowId,
        bookingId: payment.booking_id,
        studentId: payment.student_id,
        tutorId: payment.tutor_id,
        amount: { amountMinor: amount, currency: payment.currency },
      });
    }
    await this.audit(em, {
      bookingId: payment.booking_id,
      escrowId,
      action: 'hold',
      outcome: 'applied',
      fromStatus: null,
      toStatus: 'held',
      source: 'payment',
      detail: { paymentId: payment.id },
    });
    return escrow;
  }

  /**
   * A second verified payment for a booking that already has its escrow (defensive: one live
   * payment per booking makes it near impossible). It is captured through the booking's escrow
   * account and moved on to refunds_payable at once, then refunded in full.
   */
  async captureDuplicate(em: EntityManager, payment: CapturedPayment, reason: string, now: Date): Promise<void> {
    const amount = minor(payment.amount_minor);
    await this.ledger.post(em, [
      {
        kind: 'payment_captured',
        idempotencyKey: `capture:${payment.id}`,
        occurredAt: now,
        bookingId: payment.booking_id,
        paymentId: payment.id,
        entries: paymentCapturedPosting({ bookingId: payment.booking_id, currency: payment.currency, amountMinor: amount }),
      },
      {
        kind: 'escrow_refunded',
        idempotencyKey: `refund_on_arrival:${payment.id}`,
        occurredAt: now,
        bookingId: payment.booking_id,
        paymentId: payment.id,
        memo: reason,
        entries: escrowRefundedPosting({ bookingId: payment.booking_id, currency: payment.currency, refundAmount: amount }),
      },
    ]);
    await this.createRefund(em, {
      paymentId: payment.id,
      escrowId: null,
      bookingId: payment.booking_id,
      txRef: payment.tx_ref,
      amountMinor: amount,
      currency: payment.currency,
      fullRefund: true,
      reason,
      now,
    });
    await this.audit(em, {
      bookingId: payment.booking_id,
      escrowId: null,
      action: 'refund_on_arrival',
      outcome: 'applied',
      fromStatus: null,
      toStatus: null,
      source: 'payment',
      detail: { paymentId: payment.id, reason },
    });
  }

  /** held → release_scheduled at `releaseAt`; anything else is recorded and ignored. */
  async scheduleRelease(em: EntityManager, escrow: EscrowRow, releaseAt: Date, now: Date, source: string): Promise<boolean> {
    if (!(await this.allowed(em, escrow, 'schedule_release', source))) return false;
    const next = transition(escrow.status, 'schedule_release');
    await markReleaseScheduled(em, escrow.id, next, releaseAt, now);
    await this.outbox.add(em, 'payments.escrow.release_scheduled.v1', {
      ...this.base(escrow),
      amount: { amountMinor: minor(escrow.amount_minor), currency: escrow.currency },
      releaseAt: releaseAt.toISOString(),
    });
    await this.audit(em, { ...this.auditBase(escrow, 'schedule_release', source), toStatus: next, detail: { releaseAt: releaseAt.toISOString() } });
    return true;
  }

  /** held / release_scheduled → frozen (a dispute); anything else is recorded and ignored. */
  async freeze(em: EntityManager, escrow: EscrowRow, now: Date, source: string, detail: Record<string, unknown>): Promise<boolean> {
    if (!(await this.allowed(em, escrow, 'freeze', source, detail))) return false;
    const next = transition(escrow.status, 'freeze');
    await markFrozen(em, escrow.id, next, now);
    await this.audit(em, { ...this.auditBase(escrow, 'freeze', source), toStatus: next, detail });
    return true;
  }

  /** The split an action would make of this escrow, and the action it really is. */
  plan(escrow: EscrowRow, action: SettleAction, refundBps = 10000): { effective: SettleAction; split: RefundSplit } {
    const amount = minor(escrow.amount_minor);
    const fee = this.config.PLATFORM_FEE_BPS;
    let split: RefundSplit;
    if (action === 'release') {
      const s = splitRelease(amount, fee);
      split = { refundAmount: 0, releasedToTutor: s.tutorAmount, platformFee: s.platformFee };
    } else if (action === 'refund') {
      split = { refundAmount: amount, releasedToTutor: 0, platformFee: 0 };
    } else {
      split = splitByRefundBps(amount, refundBps, fee);
    }
    // A 0 % "split" is a release and a 100 % one a refund: same money, clearer state.
    const effective: SettleAction = split.refundAmount === 0 ? 'release' : split.refundAmount === amount ? 'refund' : 'split';
    return { effective, split };
  }

  canSettle(escrow: EscrowRow, action: SettleAction, refundBps?: number): boolean {
    return canTransition(escrow.status, this.plan(escrow, action, refundBps).effective);
  }

  /**
   * Settles the escrow for good: one posting moves its whole balance to refunds_payable (the
   * student's share), the tutor's wallet and platform revenue. The refund itself is then sent
   * to Chapa by the refund processor. Returns false (recorded, ignored) when the state
   * machine refuses, e.g. it is already released or refunded.
   */
  async settle(em: EntityManager, escrow: EscrowRow, input: SettleInput): Promise<boolean> {
    const { effective, split } = this.plan(escrow, input.action, input.refundBps);
    if (!(await this.allowed(em, escrow, effective, input.source, { reason: input.reason, refundBps: input.refundBps ?? null }))) {
      return false;
    }
    const next = transition(escrow.status, effective as EscrowAction);
    const now = input.now;
    const kind: LedgerTransactionKind =
      effective === 'release' ? 'escrow_released' : effective === 'refund' ? 'escrow_refunded' : 'escrow_split';
    await this.ledger.post(em, [
      {
        kind,
        idempotencyKey: `settle:${escrow.id}`,
        occurredAt: now,
        bookingId: escrow.booking_id,
        escrowId: escrow.id,
        paymentId: escrow.payment_id,
        memo: input.reason,
        entries: escrowSettledPosting({ bookingId: escrow.booking_id, tutorId: escrow.tutor_id, currency: escrow.currency, split }),
      },
    ]);
    const released = split.releasedToTutor + split.platformFee > 0;
    const refunded = split.refundAmount > 0;
    await markSettled(em, escrow.id, { next, split, released, refunded, now, reason: input.reason });
    if (refunded) {
      const payment = await findKnownPayment(em, escrow.payment_id);
      await this.createRefund(em, {
        paymentId: escrow.payment_id,
        escrowId: escrow.id,
        bookingId: escrow.booking_id,
        txRef: payment.tx_ref,
        amountMinor: split.refundAmount,
        currency: escrow.currency,
        fullRefund: split.refundAmount === minor(payment.amount_minor),
        reason: input.reason,
        now,
      });
      if (split.refundAmount === minor(payment.amount_minor)) {
        await markSucceededRefunded(em, escrow.payment_id, now);
      }
    }
    if (released) {
      await this.outbox.add(em, 'payments.escrow.released.v1', {
        ...this.base(escrow),
        tutorAmount: { amountMinor: split.releasedToTutor, currency: escrow.currency },
        platformFee: { amountMinor: split.platformFee, currency: escrow.currency },
      });
    }
    if (refunded) {
      await this.outbox.add(em, 'payments.escrow.refunded.v1', {
        ...this.base(escrow),
        refundAmount: { amountMinor: split.refundAmount, currency: escrow.currency },
        reason: input.reason,
      });
    }
    await this.audit(em, {
      ...this.auditBase(escrow, effective, input.source),
      toStatus: next,
      detail: { reason: input.reason, refundBps: input.refundBps ?? null, ...split },
    });
    return true;
  }

  /** A refund owed to the student, sent to Chapa by the refund processor (and retried there). */
  async createRefund(
    em: EntityManager,
    r: {
      paymentId: string;
      escrowId: string | null;
      bookingId: string;
      txRef: string;
      amountMinor: number;
      currency: Currency;
      fullRefund: boolean;
      reason: string;
      now: Date;
    },
  ): Promise<string> {
    const id = randomUUID();
    await insertRefund(em, { ...r, id, reference: `RF-${id.replace(/-/g, '')}` });
    return id;
  }

  private async allowed(
    em: EntityManager,
    escrow: EscrowRow,
    action: EscrowAction,
    source: string,
    detail: Record<string, unknown> = {},
  ): Promise<boolean> {
    if (canTransition(escrow.status, action)) return true;
    await this.audit(em, { ...this.auditBase(escrow, action, source), outcome: 'ignored', toStatus: null, detail });
    return false;
  }

  /** Records an action the current state does not allow (a late, duplicated or reordered event). */
  async ignore(em: EntityManager, escrow: EscrowRow, action: string, source: string, detail: Record<string, unknown>): Promise<void> {
    await this.audit(em, { ...this.auditBase(escrow, action, source), outcome: 'ignored', toStatus: null, detail });
  }

  /** Records an event about a booking that has no escrow (never paid, or not yet): nothing to change. */
  async ignoreWithoutEscrow(em: EntityManager, bookingId: string, action: string, source: string, detail: Record<string, unknown>): Promise<void> {
    await this.audit(em, {
      bookingId,
      escrowId: null,
      action,
      outcome: 'ignored',
      fromStatus: null,
      toStatus: null,
      source,
      detail: { ...detail, reason: 'no escrow for this booking' },
    });
  }

  private auditBase(escrow: EscrowRow, action: string, source: string): AuditInput {
    return { bookingId: escrow.booking_id, escrowId: escrow.id, action, outcome: 'applied', fromStatus: escrow.status, toStatus: null, source };
  }

  private base(escrow: EscrowRow) {
    return { escrowId: escrow.id, bookingId: escrow.booking_id, studentId: escrow.student_id, tutorId: escrow.tutor_id };
  }
}

/**
 * Settles the escrow as an event decided it (a cancellation, the lesson's outcome, a dispute's
 * resolution) and, when the state machine let it, asks the refund processor for a pass soon
 * after the caller's transaction commits, so the student's share goes to Chapa without waiting
 * for the cron. Returns whether it settled (false: recorded and ignored).
 */
export async function settleThenRefundSoon(
  escrows: EscrowTransitions,
  refunds: { kickSoon(): void },
  em: EntityManager,
  escrow: EscrowRow,
  input: SettleInput,
): Promise<boolean> {
  const applied = await escrows.settle(em, escrow, input);
  if (applied) refunds.kickSoon();
  return applied;
}
