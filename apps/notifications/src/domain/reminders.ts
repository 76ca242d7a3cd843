import { formatDateTime } from './format';
import type { NotificationDraft } from './notification-kinds';
import type { Names } from './event-messages';

/*
 * Lesson reminders: 24 hours and 15 minutes before a confirmed booking starts, for both
 * participants. A reminder whose time has already passed when the booking is confirmed is not
 * scheduled at all; one that could not be sent in time (the service was down) is dropped once
 * the next reminder (or the lesson) has come, rather than telling someone "tomorrow" an hour
 * before the lesson.
 */

export const REMINDER_KINDS = ['24h', '15m'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

const MINUTE = 60_000;
export const REMINDER_LEAD_MS: Record<ReminderKind, number> = { '24h': 24 * 60 * MINUTE, '15m': 15 * MINUTE };

export interface ScheduledReminder {
  kind: ReminderKind;
  dueAt: Date;
}

/** The reminders to schedule for a lesson starting at `startsAt`, seen at `now`. */
export function remindersFor(startsAt: Date, now: Date): ScheduledReminder[] {
  return REMINDER_KINDS.map((kind) => ({ kind, dueAt: new Date(startsAt.getTime() - REMINDER_LEAD_MS[kind]) })).filter(
    (r) => r.dueAt.getTime() > now.getTime(),
  );
}

/** True when a due reminder is no longer worth sending at `now`. */
export function isReminderStale(kind: ReminderKind, startsAt: Date, now: Date): boolean {
  const supersededAt = kind === '24h' ? startsAt.getTime() - REMINDER_LEAD_MS['15m'] : startsAt.getTime();
  return now.getTime() >= supersededAt;
}

export interface ReminderFacts {
  id: string;
  bookingId: string;
  userId: string;
  kind: ReminderKind;
  studentId: string;
  tutorId: string;
  subject: string;
  startsAt: Date;
  endsAt: Date;
}

export function reminderMessage(r: ReminderFacts, names: Names): NotificationDraft {
  const isStudent = r.userId === r.studentId;
  const other = isStudent ? (names(r.tutorId) ?? 'your tutor') : (names(r.studentId) ?? 'your student');
  const when = formatDateTime(r.startsAt);
  const [title, body] =
    r.kind === '24h'
      ? ['Lesson tomorrow', `Your ${r.subject} lesson with ${other} starts in 24 hours (${when}).`]
      : ['Lesson starts in 15 minutes', `Your ${r.subject} lesson with ${other} starts at ${when}. Get ready to join.`];
  return {
    userId: r.userId,
    kind: 'booking.reminder',
    title,
    body,
    data: {
      bookingId: r.bookingId,
      reminder: r.kind,
      subject: r.subject,
      startsAt: r.startsAt.toISOString(),
      endsAt: r.endsAt.toISOString(),
      withUserId: isStudent ? r.tutorId : r.studentId,
    },
    dedupeKey: `reminder:${r.id}`,
  };
}
