
/*
 * Lesson reminders: 24 hours and 15 minutes before a confirmed booking starts, for both
 * participants. A reminder whose time has already passed when the booking is confirmed is not
 * scheduled at all; one that could not be sent in time (the service was down) is dropped once
 * the next reminder (or the lesson) has come, rather than telling someone "tomorrow" an hour
 * before the lesson.
 *
 * The reminder's words are in notification-texts.ts (`reminderMessage`), with every other text.
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
