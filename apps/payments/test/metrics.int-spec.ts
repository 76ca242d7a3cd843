import { expireSamples } from '@tutorhub/platform';
import { acceptedBooking, eventually, harnessPerFile, jobs, payFor, paymentView, sessionEnded, type Harness } from './harness';

// The gauges behind the payments alerts and dashboard panels (docs/operations.md, "Alerts and
// runbooks"), read from the service's real /metrics endpoint.
const HOUR = 3_600_000;
jest.setTimeout(60_000);

let h: Harness;

harnessPerFile((started) => (h = started));

/** The value of one series on /metrics, read afresh (sampled gauges are otherwise cached). */
async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  expireSamples();
  const text = await (await fetch(`${h.svc.baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(m[3]);
  }
  return undefined;
}

describe('payments metrics', () => {
  it('shows money held in escrow, an escrow due but not released with its age, and the amount released', async () => {
    expect(await metric('payments_escrow_due_unreleased_oldest_seconds')).toBe(0);
    expect(await metric('payments_escrow_held_minor', { currency: 'ETB' })).toBe(0);
    expect(await metric('payments_escrow_held_minor', { currency: 'USD' })).toBe(0);

    const b = await acceptedBooking(h);
    await payFor(h, b);
    await eventually(async () => (await paymentView(h, b.bookingId, b.student)).escrow?.status === 'held');
    expect(await metric('payments_escrow_held_minor', { currency: 'ETB' })).toBe(150000);

    await sessionEnded(h, b);
    expect((await paymentView(h, b.bookingId, b.student)).escrow?.status).toBe('release_scheduled');
    // Scheduled, not yet due: nothing is late.
    expect(await metric('payments_escrow_due_unreleased')).toBe(0);
    expect(await metric('payments_escrow_due_unreleased_oldest_seconds')).toBe(0);

    // The release job does not run (jobs are off in tests): ten minutes past the release time.
    h.clock.set(new Date(b.endsAt.getTime() + 24 * HOUR + 10 * 60_000));
    expect(await metric('payments_escrow_due_unreleased')).toBe(1);
    expect(await metric('payments_escrow_due_unreleased_oldest_seconds')).toBe(600);
    expect(await metric('payments_escrow_held_minor', { currency: 'ETB' })).toBe(150000);

    expect(await jobs(h).release()).toBe(1);
    expect(await metric('payments_escrow_due_unreleased')).toBe(0);
    expect(await metric('payments_escrow_due_unreleased_oldest_seconds')).toBe(0);
    expect(await metric('payments_escrow_held_minor', { currency: 'ETB' })).toBe(0);
    // Tutor share plus platform fee: the whole escrow.
    expect(await metric('payments_escrow_released_last_hour_minor', { currency: 'ETB' })).toBe(150000);
    expect(await metric('payments_escrow_released_last_hour_minor', { currency: 'USD' })).toBe(0);

    // An hour later it has left the window.
    h.clock.advance(HOUR + 1000);
    expect(await metric('payments_escrow_released_last_hour_minor', { currency: 'ETB' })).toBe(0);
  });

  it('exports the outbox gauges of the service', async () => {
    expect(await metric('outbox_unpublished', { service: 'payments' })).toBeGreaterThanOrEqual(0);
    expect(await metric('outbox_oldest_unpublished_seconds', { service: 'payments' })).toBeGreaterThanOrEqual(0);
    expect(await metric('dlq_messages', { service: 'payments', queue: `${h.svc.namespace}.payments.events.dlq` })).toBe(0);
  });
});
