import { randomUUID } from 'node:crypto';
import type { OwnerBooking } from '@tutorhub/contracts';
import { publishEvents } from '@tutorhub/testing';
import { harnessPerFile, paymentView, student, tutor, type Harness, type Initiated } from './harness';

/**
 * Read-your-writes (issue 13, ADR 0006): the student pays right after the tutor accepted, while
 * `booking.accepted` has not reached payments yet. The gateway passes the owner's booking; payments
 * waits for the event (woken when it is handled, not by polling) instead of answering 404.
 */
jest.setTimeout(60_000);

let h: Harness;

harnessPerFile((started) => (h = started));

function aBooking() {
  const s = student();
  const t = tutor();
  const startsAt = new Date(h.clock.now().getTime() + 48 * 3_600_000);
  const endsAt = new Date(startsAt.getTime() + 3_600_000);
  const owner: OwnerBooking = { status: 'accepted', studentId: s.userId, tutorId: t.userId, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() };
  const accepted = {
    id: randomUUID(),
    type: 'bookings.booking.accepted.v1',
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: 'bookings',
    correlationId: randomUUID(),
    causationId: null,
    data: {
      bookingId: randomUUID(),
      studentId: s.userId,
      tutorId: t.userId,
      subject: 'Mathematics',
      startsAt: owner.startsAt,
      endsAt: owner.endsAt,
      price: { amountMinor: 90000, currency: 'ETB' },
    },
  };
  return { s, t, owner, accepted, bookingId: accepted.data.bookingId };
}

const initiate = (bookingId: string, actor: ReturnType<typeof student>, owner?: OwnerBooking) =>
  h.rpc.call<Initiated>('payments', 'payments.initiate', { bookingId, ...(owner ? { owner } : {}) }, { actor, timeoutMs: 15000 });

describe('paying right after the tutor accepted (booking.accepted still on its way)', () => {
  it('without the owner’s booking, payments’ copy says 404 (the gateway’s cue to ask the owner)', async () => {
    const b = aBooking();
    await expect(initiate(b.bookingId, b.s)).rejects.toMatchObject({ problem: expect.objectContaining({ status: 404, code: 'booking.not_found' }) });
  });

  it('with the owner’s booking, waits for the event and opens the checkout, with no client retry', async () => {
    const b = aBooking();
    const paying = initiate(b.bookingId, b.s, b.owner);
    // The event arrives while the request waits.
    await new Promise((r) => setTimeout(r, 400));
    await publishEvents(h.svc.namespace, b.accepted);
    const result = await paying;
    expect(result).toMatchObject({ status: 'initiated', checkoutUrl: expect.stringContaining('/checkout/') });
    const view = await paymentView(h, b.bookingId, b.s);
    expect(view.payment).toMatchObject({ status: 'initiated', amount: { amountMinor: 90000, currency: 'ETB' } });
  });

  it('answers 409 payment.not_ready with a retry hint when the event is still missing after the wait', async () => {
    const b = aBooking();
    await expect(initiate(b.bookingId, b.s, b.owner)).rejects.toMatchObject({
      problem: expect.objectContaining({ status: 409, code: 'payment.not_ready', details: { retryAfterSeconds: 1 } }),
    });
    // Once the event is handled, the same request succeeds.
    await publishEvents(h.svc.namespace, b.accepted);
    await expect(initiate(b.bookingId, b.s, b.owner)).resolves.toMatchObject({ status: 'initiated' });
  });

  it('does not wait for a booking the tutor has not accepted, nor for someone else’s', async () => {
    const b = aBooking();
    await expect(initiate(b.bookingId, b.s, { ...b.owner, status: 'requested' })).rejects.toMatchObject({
      problem: expect.objectContaining({ status: 409, code: 'booking.not_payable' }),
    });
    await expect(initiate(b.bookingId, student(), b.owner)).rejects.toMatchObject({ problem: expect.objectContaining({ status: 404, code: 'booking.not_found' }) });
  });

  it('shows the payment view (nothing yet) to a participant the owner names, and 404 to anyone else', async () => {
    const b = aBooking();
    const get = (actor: ReturnType<typeof student>, owner?: OwnerBooking) =>
      h.rpc.call('payments', 'payments.booking_payment.get', { bookingId: b.bookingId, ...(owner ? { owner } : {}) }, { actor });
    await expect(get(b.s)).rejects.toMatchObject({ problem: expect.objectContaining({ status: 404 }) });
    await expect(get(b.s, b.owner)).resolves.toMatchObject({ bookingId: b.bookingId, payment: null, escrow: null });
    await expect(get(b.t, b.owner)).resolves.toMatchObject({ payment: null });
    await expect(get(student(), b.owner)).rejects.toMatchObject({ problem: expect.objectContaining({ status: 404 }) });
  });
});
