import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import type { NotificationDraft } from '../domain/notification-kinds';
import { eventMessages, type Names } from '../domain/notification-texts';
import { ReminderScheduler, type BookingClosure } from '../schedule-reminders/schedule-reminders';
import { ContactStore } from '../stores/contact.store';
import { NotificationStore } from '../stores/notification.store';
import { NotificationWriter, type WrittenNotification } from '../write-notification/write-notification';

/** Every event type that becomes notifications (the texts: domain/notification-texts.ts). */
export type ToldEvent = keyof typeof eventMessages;
type Data<K extends ToldEvent> = EventDataOf<K>;

/**
 * What one event means for the inbox besides its texts:
 * - `names`: whose display names the texts need (looked up in the contacts read model);
 * - `reminders`: what happens to the booking's reminders (schedule, follow a move, or close the
 *   booking with a reason), always before the notifications are written;
 * - `sessionOf`: the text needs who started this session (from our own `session.started` row).
 */
interface Plan<K extends ToldEvent> {
  names?: (d: Data<K>) => string[];
  reminders?: 'schedule' | 'reschedule' | BookingClosure;
  sessionOf?: (d: Data<K>) => string;
}

const PLANS: { [K in ToldEvent]: Plan<K> } = {
  'identity.user.registered.v1': {},
  'bookings.booking.requested.v1': { names: (d) => [d.studentId] },
  'bookings.booking.accepted.v1': { names: (d) => [d.tutorId] },
  'bookings.booking.declined.v1': { names: (d) => [d.tutorId], reminders: 'declined' },
  'bookings.booking.expired.v1': { names: (d) => [d.studentId, d.tutorId], reminders: 'expired' },
  'bookings.booking.cancelled.v1': { names: (d) => [d.studentId, d.tutorId], reminders: 'cancelled' },
  'bookings.booking.confirmed.v1': { names: (d) => [d.studentId, d.tutorId], reminders: 'schedule' },
  'bookings.booking.rescheduled.v1': { names: (d) => [d.studentId, d.tutorId], reminders: 'reschedule' },
  'bookings.reschedule.proposed.v1': { names: (d) => [d.studentId, d.tutorId] },
  'bookings.reschedule.declined.v1': { names: (d) => [d.studentId, d.tutorId] },
  'bookings.reschedule.expired.v1': {},
  'bookings.booking.completed.v1': { names: (d) => [d.studentId, d.tutorId], reminders: 'completed' },
  'bookings.booking.no_show.v1': { names: (d) => [d.studentId, d.tutorId], reminders: 'no_show' },
  'bookings.dispute.opened.v1': { names: (d) => [d.studentId] },
  'bookings.dispute.resolved.v1': {},
  'payments.escrow.freeze_rejected.v1': {},
  'bookings.review.submitted.v1': { names: (d) => [d.authorId] },
  'payments.payment.succeeded.v1': {},
  'payments.payment.failed.v1': {},
  'payments.escrow.held.v1': { names: (d) => [d.studentId] },
  'payments.escrow.release_scheduled.v1': { names: (d) => [d.tutorId] },
  'payments.escrow.released.v1': {},
  'payments.escrow.refunded.v1': {},
  'payments.payout.requested.v1': {},
  'payments.payout.succeeded.v1': {},
  'payments.payout.failed.v1': {},
  'payments.payout.reversed.v1': {},
  'sessions.session.started.v1': { names: (d) => [d.studentId, d.tutorId] },
  'sessions.session.participant_joined.v1': { names: (d) => [d.userId], sessionOf: (d) => d.sessionId },
  'sessions.session.ended.v1': {},
};

/**
 * The use case behind every consumed event: an event that concerns a user becomes
 * notifications for the right people. Runs in the transaction that records the event in the
 * inbox, so the contact, any reminder change, the notifications (announced to the live stream at
 * commit) and their planned deliveries commit together, once. A second delivery of the event is
 * stopped by the messaging inbox; the same fact under a new event id by the dedupe keys.
 */
@Injectable()
export class TellAboutEvent {
  constructor(
    private readonly writer: NotificationWriter,
    private readonly contacts: ContactStore,
    private readonly reminders: ReminderScheduler,
    private readonly notifications: NotificationStore,
  ) {}

  async handle<K extends ToldEvent>(type: K, d: Data<K>, em: EntityManager, sourceEventId: string): Promise<WrittenNotification[]> {
    const plan = PLANS[type] as Plan<K>;
    if (type === 'identity.user.registered.v1') await this.contacts.upsert(em, d as Data<'identity.user.registered.v1'>);
    await this.moveReminders(plan, d, em);
    const names: Names = plan.names ? await this.contacts.names(em, plan.names(d)) : () => undefined;
    const startedBy = plan.sessionOf ? await this.notifications.sessionStarter(em, plan.sessionOf(d)) : undefined;
    const texts = eventMessages[type] as (d: Data<K>, names: Names, startedBy?: string) => NotificationDraft[];
    return this.writer.write(em, texts(d, names, startedBy), sourceEventId);
  }

  /**
   * `handle` for several events of one type at once (a batch, ADR 0022): one names lookup and
   * one notifications statement for all of them, in the order given. Only for types whose plan
   * records no contact, moves no reminders and reads no session (`setBased`): their texts
   * depend on the event and the names alone, so this is `handle` once per event. The dedupe
   * keys and the per-user order of `seq` are the statement's, as for one event.
   */
  async handleMany<K extends ToldEvent>(type: K, events: ReadonlyArray<{ d: Data<K>; sourceEventId: string }>, em: EntityManager): Promise<WrittenNotification[]> {
    if (!setBased(type)) throw new Error(`${type} is told one event at a time`);
    const plan = PLANS[type] as Plan<K>;
    const names: Names = plan.names ? await this.contacts.names(em, events.flatMap((e) => (plan.names as (d: Data<K>) => string[])(e.d))) : () => undefined;
    const texts = eventMessages[type] as (d: Data<K>, names: Names) => NotificationDraft[];
    return this.writer.writeMany(em, events.flatMap((e) => texts(e.d, names).map((draft) => ({ draft, sourceEventId: e.sourceEventId }))));
  }

  private async moveReminders<K extends ToldEvent>(plan: Plan<K>, d: Data<K>, em: EntityManager): Promise<void> {
    if (!plan.reminders) return;
    if (plan.reminders === 'schedule') await this.reminders.scheduleFor(em, d as Data<'bookings.booking.confirmed.v1'>);
    else if (plan.reminders === 'reschedule') await this.reminders.reschedule(em, d as Data<'bookings.booking.rescheduled.v1'>);
    else await this.reminders.closeBooking(em, (d as { bookingId: string }).bookingId, plan.reminders);
  }
}

/** Whether events of this type can be told many at once (`handleMany`): nothing but names and texts. */
export function setBased(type: ToldEvent): boolean {
  const plan = PLANS[type] as Plan<ToldEvent>;
  return type !== 'identity.user.registered.v1' && !plan.reminders && !plan.sessionOf;
}
