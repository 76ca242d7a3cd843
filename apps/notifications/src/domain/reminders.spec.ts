import { isReminderStale, reminderMessage, remindersFor } from './reminders';

const starts = new Date('2026-03-03T10:00:00.000Z');
const at = (iso: string) => new Date(iso);

describe('remindersFor', () => {
  it('schedules 24 h and 15 min before the start', () => {
    expect(remindersFor(starts, at('2026-03-01T10:00:00Z'))).toEqual([
      { kind: '24h', dueAt: at('2026-03-02T10:00:00Z') },
      { kind: '15m', dueAt: at('2026-03-03T09:45:00Z') },
    ]);
  });
  it('leaves out every reminder whose time is not in the future', () => {
    expect(remindersFor(starts, at('2026-03-02T10:00:00Z')).map((r) => r.kind)).toEqual(['15m']);
    expect(remindersFor(starts, at('2026-03-03T09:45:00Z'))).toEqual([]);
    expect(remindersFor(starts, at('2026-03-04T00:00:00Z'))).toEqual([]);
  });
});

describe('isReminderStale', () => {
  it('drops a 24 h reminder once the 15 min one is due, and a 15 min one once the lesson started', () => {
    expect(isReminderStale('24h', starts, at('2026-03-03T09:44:59.999Z'))).toBe(false);
    expect(isReminderStale('24h', starts, at('2026-03-03T09:45:00Z'))).toBe(true);
    expect(isReminderStale('15m', starts, at('2026-03-03T09:59:59.999Z'))).toBe(false);
    expect(isReminderStale('15m', starts, starts)).toBe(true);
  });
});

describe('reminderMessage', () => {
  const facts = {
    id: '7f0e2b5c-8a41-4c9e-9f57-1d2c3b4a5e6f',
    bookingId: 'b1',
    studentId: 's1',
    tutorId: 't1',
    subject: 'Amharic',
    startsAt: starts,
    endsAt: at('2026-03-03T11:00:00Z'),
  };
  const names = (id: string) => ({ s1: 'Liya', t1: 'Kebede' })[id];

  it('names the other participant and is keyed by the reminder', () => {
    const forStudent = reminderMessage({ ...facts, userId: 's1', kind: '24h' }, names);
    expect(forStudent).toMatchObject({
      userId: 's1',
      kind: 'booking.reminder',
      title: 'Lesson tomorrow',
      body: 'Your Amharic lesson with Kebede starts in 24 hours (Tue 3 Mar 2026, 10:00 UTC).',
      dedupeKey: `reminder:${facts.id}`,
      data: { bookingId: 'b1', reminder: '24h', withUserId: 't1', startsAt: '2026-03-03T10:00:00.000Z' },
    });
    const forTutor = reminderMessage({ ...facts, userId: 't1', kind: '15m' }, () => undefined);
    expect(forTutor.body).toBe('Your Amharic lesson with your student starts at Tue 3 Mar 2026, 10:00 UTC. Get ready to join.');
  });
});
