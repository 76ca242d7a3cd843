import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import { Clock } from '@tutorhub/platform';
import { remindersFor, type ScheduledReminder } from '../domain/reminders';
import { ReminderStore, type BookingClosure, type ReminderInput } from '../stores/reminder.store';

export type { BookingClosure } from '../stores/reminder.store';

/**
 * Schedules and cancels lesson reminders as bookings are confirmed and end. Called by the
 * event adapters in tell-about-event/, in the transaction that records the event. Every step
 * first locks the booking (see ReminderStore.lockBooking), so a confirmation and a
 * cancellation handled at once by two replicas never leave a reminder behind.
 */
@Injectable()
export class ReminderScheduler {
  constructor(
    private readonly clock: Clock,
    private readonly store: ReminderStore,
  ) {}

  /** Both participants, 24 h and 15 min ahead; none for a time already past, none for a closed booking. */
  async scheduleFor(em: EntityManager, d: EventDataOf<'bookings.booking.confirmed.v1'>): Promise<number> {
    await this.store.lockBooking(em, d.bookingId);
    if (await this.store.isClosed(em, d.bookingId)) return 0;
    let scheduled = 0;
    for (const reminder of remindersFor(new Date(d.startsAt), this.clock.now())) {
      for (const userId of [d.studentId, d.tutorId]) {
        const fresh = await this.store.insertIfAbsent(em, reminderInput(d, userId, reminder, d.slotSequence ?? 0));
        if (fresh) scheduled++;
      }
    }
    return scheduled;
  }

  /**
   * The lesson moved (issue 16): each participant's reminders are re-armed for the new time (a
   * 24 h reminder already sent for the old time is due again for the new one), those now in the
   * past are cancelled. Only a newer slot than the reminders were made for applies, so a late or
   * repeated reschedule changes nothing; only a confirmed lesson has reminders (a lesson moved
   * before its confirmation gets them from `booking.confirmed`, which carries the new time).
   */
  async reschedule(em: EntityManager, d: EventDataOf<'bookings.booking.rescheduled.v1'>): Promise<void> {
    if (d.status !== 'confirmed') return;
    await this.store.lockBooking(em, d.bookingId);
    if (await this.store.isClosed(em, d.bookingId)) return;
    const seq = await this.store.latestSlot(em, d.bookingId);
    if (seq !== null && seq >= d.slotSequence) return;
    const due = remindersFor(new Date(d.startsAt), this.clock.now());
    for (const reminder of due) {
      for (const userId of [d.studentId, d.tutorId]) {
        await this.store.rearm(em, reminderInput(d, userId, reminder, d.slotSequence));
      }
    }
    await this.store.cancelRescheduledExcept(em, d.bookingId, due.map((r) => r.kind), this.clock.now(), d.slotSequence);
  }

  /**
   * The booking will not take place (or already did): cancel what is still scheduled, and
   * remember it so that a confirmation delivered late schedules nothing.
   */
  async closeBooking(em: EntityManager, bookingId: string, reason: BookingClosure): Promise<number> {
    await this.store.lockBooking(em, bookingId);
    return this.store.closeBooking(em, bookingId, reason, this.clock.now());
  }
}

/** One participant's reminder of a lesson, as the store keeps it. */
function reminderInput(
  d: Pick<EventDataOf<'bookings.booking.confirmed.v1'>, 'bookingId' | 'studentId' | 'tutorId' | 'subject' | 'startsAt' | 'endsAt'>,
  userId: string,
  reminder: ScheduledReminder,
  slotSequence: number,
): ReminderInput {
  return {
    bookingId: d.bookingId,
    userId,
    kind: reminder.kind,
    dueAt: reminder.dueAt,
    studentId: d.studentId,
    tutorId: d.tutorId,
    subject: d.subject,
    startsAt: d.startsAt,
    endsAt: d.endsAt,
    slotSequence,
  };
}
