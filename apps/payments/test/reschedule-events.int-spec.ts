import { randomUUID } from 'node:crypto';
import { balance, harnessPerFile, initiate, payFor, paymentView, publish, publishAccepted, student, tutor, type Harness, type TestBooking } from './harness';

/**
 * Reschedule (issue 16) as payments hears it: the read model's times follow the newest slot
 * (`slotSequence`), whatever order `booking.accepted` and `booking.rescheduled` arrive in and
 * however often; the payment window closes at the new start; no money ever moves.
 */
jest.setTimeout(60_000);

let h: Harness;

harnessPerFile((started) => (h = started));

const HOUR = 3_600_000;

function booking(): TestBooking {
  const startsAt = new Date(h.clock.now().getTime() + 48 * HOUR);
  return { bookingId: randomUUID(), student: student(), tutor: tutor(), price: { amountMinor: 150000, currency: 'ETB' }, startsAt, endsAt: new Date(startsAt.getTime() + HOUR) };
}
const accepted = (b: TestBooking) => publishAccepted(h, b);
const rescheduled = (b: TestBooking, shiftHours: number, slotSequence: number, status: 'accepted' | 'confirmed' | 'requested' = 'accepted') =>
  publish(h, 'bookings.booking.rescheduled.v1', {
    bookingId: b.bookingId,
    studentId: b.student.userId,
    tutorId: b.tutor.userId,
    subject: 'Mathematics',
    previousStartsAt: b.startsAt.toISOString(),
    previousEndsAt: b.endsAt.toISOString(),
    startsAt: new Date(b.startsAt.getTime() + shiftHours * HOUR).toISOString(),
    endsAt: new Date(b.endsAt.getTime() + shiftHours * HOUR).toISOString(),
    rescheduledBy: b.tutor.userId,
    status,
    slotSequence,
  });
const times = async (b: TestBooking) =>
  ((await h.ds.query(`SELECT starts_at, slot_sequence, price_minor FROM payments.bookings WHERE booking_id = $1`, [b.bookingId])) as Array<{
    starts_at: Date;
    slot_sequence: number;
    price_minor: string | null;
  }>)[0];

it('keeps the newest slot when the reschedules overtake the acceptance and repeat', async () => {
  const b = booking();
  await rescheduled(b, -40, 2);
  await rescheduled(b, 10, 1);
  await accepted(b);
  await rescheduled(b, -40, 2);
  const row = await times(b);
  expect(row).toMatchObject({ slot_sequence: 2, price_minor: '150000' });
  expect(row.starts_at.toISOString()).toBe(new Date(b.startsAt.getTime() - 40 * HOUR).toISOString());

  // The payment window closes at the new start (8 h from now), not the old one (48 h).
  h.clock.advance(9 * HOUR);
  try {
    await expect(initiate(h, b)).rejects.toMatchObject({ problem: expect.objectContaining({ status: 409, code: 'booking.payment_window_closed' }) });
  } finally {
    h.clock.advance(-9 * HOUR);
  }
  await expect(initiate(h, b)).resolves.toMatchObject({ status: 'initiated' });
});

it('never moves money: a paid lesson that moves keeps its escrow held, once', async () => {
  const b = booking();
  await accepted(b);
  await payFor(h, b);
  const before = await paymentView(h, b.bookingId, b.student);
  expect(before.escrow?.status).toBe('held');
  const escrowBalance = await balance(h, 'escrow', b.bookingId);
  await rescheduled(b, 5, 1, 'confirmed');
  await rescheduled(b, 5, 1, 'confirmed');
  const after = await paymentView(h, b.bookingId, b.student);
  expect(after.escrow).toEqual(before.escrow);
  expect(await balance(h, 'escrow', b.bookingId)).toBe(escrowBalance);
  expect((await times(b)).starts_at.toISOString()).toBe(new Date(b.startsAt.getTime() + 5 * HOUR).toISOString());
});
