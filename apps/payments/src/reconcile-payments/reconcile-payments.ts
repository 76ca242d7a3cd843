import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxService } from '@tutorhub/messaging';
import { Clock } from '@tutorhub/platform';
import { CONFIG } from '@tutorhub/service';
import type { PaymentsConfig } from '../config';
import { ConfirmPayment } from '../confirm-payment/confirm-payment';
import { inTransaction } from '../shared/db';
import { failPayment } from '../shared/payment-helpers';
import { claimForReconcile, lockPaymentWithBooking } from '../stores/payment.store';

/** A lost webhook never leaves money unaccounted for: open payments are verified again. */
@Injectable()
export class ReconcilePayments {
  constructor(
    @Inject(CONFIG) private readonly config: PaymentsConfig,
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly payments: ConfirmPayment,
  ) {}

  /**
   * Payments still `initiated` some minutes after they were opened (or last checked) are
   * verified again: a lost webhook never leaves money unaccounted for. Claimed with SKIP LOCKED
   * and stamped `last_checked_at`, so replicas share the work instead of repeating it.
   */
  async reconcileOnce(): Promise<number> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.config.PAYMENT_RECONCILE_AFTER_MINUTES * 60_000);
    const claimed = await inTransaction(this.ds, (em) => claimForReconcile(em, cutoff, now));
    for (const c of claimed) {
      const outcome = await this.payments.confirm(c.tx_ref, 'reconcile');
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
      const p = await lockPaymentWithBooking(em, paymentId);
      if (!p || p.status !== 'initiated') return;
      const past = p.starts_at !== null && new Date(p.starts_at).getTime() <= this.clock.now().getTime();
      if (past || p.booking_status !== 'accepted') await failPayment(em, this.outbox, p, 'abandoned', this.clock.now());
    });
  }
}
