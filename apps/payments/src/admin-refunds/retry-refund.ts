import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError, Clock } from '@tutorhub/platform';
import { ProcessRefunds } from '../process-refunds/process-refunds';
import { inTransaction } from '../shared/db';
import { insertAdminAction } from '../stores/admin-action.store';
import { lockRefund, resetForRetry, type RefundRow } from '../stores/refund.store';

@Injectable()
export class RetryRefund {
  private readonly logger = new Logger('Refunds');

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly refunds: ProcessRefunds,
  ) {}

  /**
   * An operator puts a refund back in the processor's hands, audited. A `failed` one (it gave up
   * after its last attempt) is submitted again under its reference — which Chapa refuses to use twice,
   * so if an earlier attempt did get through it is found and verified, never refunded twice. A
   * `needs_review` one is only verified again (Chapa did refund something; it is never resent).
   */
  async retryByAdmin(refundId: string, adminId: string, note: string | null): Promise<RefundRow> {
    const updated = await inTransaction(this.ds, async (em) => {
      const r = await lockRefund(em, refundId);
      if (!r) throw new AppError(404, 'refund.not_found', 'No such refund.');
      if (r.status !== 'failed' && r.status !== 'needs_review') {
        throw new AppError(409, 'refund.not_retryable', `The refund is ${r.status}; only failed or needs_review refunds can be retried.`, {
          status: r.status,
        });
      }
      const next = r.status === 'failed' ? 'pending' : 'submitted';
      const now = this.clock.now();
      const row = await resetForRetry(em, r.id, next, now);
      await insertAdminAction(em, {
        adminId,
        action: 'refund_retry',
        subjectType: 'refund',
        subjectId: r.id,
        detail: { from: r.status, to: next, attempts: r.attempts, lastError: r.last_error, note },
        now,
      });
      return row;
    });
    this.logger.log(`refund ${refundId} put back to ${updated.status} by admin ${adminId}`);
    this.refunds.kickSoon();
    return updated;
  }
}
