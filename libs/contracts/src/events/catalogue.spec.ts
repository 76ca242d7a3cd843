import { randomUUID } from 'node:crypto';
import { BookingAcceptedV1, SessionEndedV1 } from './catalogue';

describe('event catalogue schemas', () => {
  const ids = { bookingId: randomUUID(), studentId: randomUUID(), tutorId: randomUUID() };

  it('accepts a well-formed payload and rejects floats, negative or unknown currencies', () => {
    const ok = { ...ids, subject: 'math', startsAt: '2026-12-01T10:00:00.000Z', endsAt: '2026-12-01T11:00:00.000Z', price: { amountMinor: 150000, currency: 'ETB' } };
    expect(BookingAcceptedV1.schema.safeParse(ok).success).toBe(true);
    expect(BookingAcceptedV1.schema.safeParse({ ...ok, price: { amountMinor: 1500.5, currency: 'ETB' } }).success).toBe(false);
    expect(BookingAcceptedV1.schema.safeParse({ ...ok, price: { amountMinor: -1, currency: 'ETB' } }).success).toBe(false);
    expect(BookingAcceptedV1.schema.safeParse({ ...ok, price: { amountMinor: 1, currency: 'EUR' } }).success).toBe(false);
    expect(BookingAcceptedV1.schema.safeParse({ ...ok, bookingId: 'not-a-uuid' }).success).toBe(false);
  });

  it("accepts 'system' or a user id as the one who ended a session", () => {
    const base = {
      ...ids,
      sessionId: randomUUID(),
      startedAt: '2026-12-01T10:00:00.000Z',
      endedAt: '2026-12-01T11:00:00.000Z',
      durationSeconds: 3600,
      scheduledDurationSeconds: 3600,
      attendance: { studentJoinedAt: null, tutorJoinedAt: '2026-12-01T10:00:00.000Z' },
      absentParty: 'student',
    };
    expect(SessionEndedV1.schema.safeParse({ ...base, endedBy: 'system' }).success).toBe(true);
    expect(SessionEndedV1.schema.safeParse({ ...base, endedBy: randomUUID() }).success).toBe(true);
    expect(SessionEndedV1.schema.safeParse({ ...base, endedBy: 'someone' }).success).toBe(false);
  });
});
