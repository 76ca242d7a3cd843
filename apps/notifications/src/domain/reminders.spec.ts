import { isReminderStale, remindersFor } from './reminders';

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
