import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, counter } from '@tutorhub/platform';
import { CONFIG, JobRunner } from '@tutorhub/service';
import type { NotificationsConfig } from '../config';
import type { NotificationDraft } from '../domain/notification-kinds';
import { reminderMessage } from '../domain/notification-texts';
import { isReminderStale } from '../domain/reminders';
import { ContactStore } from '../stores/contact.store';
import { ReminderStore } from '../stores/reminder.store';
import { NotificationWriter } from '../write-notification/write-notification';

const reminderOutcomes = counter('notification_reminders_total', 'Due reminders handled, by outcome', ['outcome']);

const BATCH = 100;

/**
 * Turns due reminders into notifications. Every replica runs it: each batch is claimed with
 * FOR UPDATE SKIP LOCKED and marked sent in the transaction that writes the notification, so
 * a reminder is told once however many passes run at the same time (and the notification's
 * dedupe key `reminder:<id>` would refuse a second copy anyway).
 */
@Injectable()
export class SendDueRemindersJob implements OnModuleInit {
  private readonly logger = new Logger('SendDueReminders');

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    private readonly writer: NotificationWriter,
    private readonly contacts: ContactStore,
    private readonly reminders: ReminderStore,
    @Inject(CONFIG) private readonly config: NotificationsConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule('send-due-reminders', this.config.REMINDER_CRON, () => this.runOnce());
  }

  /** One pass over everything due now; returns how many reminders became notifications. */
  async runOnce(): Promise<number> {
    let sent = 0;
    for (;;) {
      const { claimed, told } = await this.dataSource.transaction(async (em) => {
        const now = this.clock.now();
        const rows = await this.reminders.claimDue(em, now, BATCH);
        const names = await this.contacts.names(em, rows.flatMap((r) => [r.student_id, r.tutor_id]));
        const drafts: NotificationDraft[] = [];
        for (const r of rows) {
          if (isReminderStale(r.kind, r.starts_at, now)) {
            await this.reminders.markStale(em, r.id, now);
            reminderOutcomes.inc({ outcome: 'stale' });
            continue;
          }
          const draft = reminderMessage(
            {
              id: r.id,
              bookingId: r.booking_id,
              userId: r.user_id,
              kind: r.kind,
              studentId: r.student_id,
              tutorId: r.tutor_id,
              subject: r.subject,
              startsAt: r.starts_at,
              endsAt: r.ends_at,
            },
            names,
          );
          drafts.push(draft);
          await this.reminders.markSent(em, r.id, now);
          reminderOutcomes.inc({ outcome: 'sent' });
        }
        // The whole batch in one write: one statement, and every recipient's lock taken at once.
        await this.writer.write(em, drafts, null);
        return { claimed: rows.length, told: drafts.length };
      });
      sent += told;
      if (claimed < BATCH) break;
    }
    if (sent) this.logger.log(`sent ${sent} reminder(s)`);
    return sent;
  }
}
