import { randomUUID } from 'node:crypto';
import { SERVICES, startCluster, type Cluster } from './support/cluster';
import { consumedByOutcome } from './support/broker';
import { assertAllWell } from './support/checks';
import { http, until } from './support/http';
import { withDb } from '@tutorhub/testing';
import { accept, book, pay, register, runBatch, setUpTutor, waitBookingStatus, type Client } from './support/journey';
import { diagnose } from './support/diagnose';
import { record } from './support/results';

/**
 * Two instances of every service and of the gateway, side by side on one database and broker:
 * both consume the same queues, both relay the same outboxes, both run every scheduled job each
 * second (escrow release, reminders, expiry, auto-end, reconciliation). A batch of journeys,
 * spread over both gateways, must end exactly as with one instance: no escrow released twice, no
 * reminder sent twice, no state transition made twice.
 */
describe('replicas: two of everything at once', () => {
  let cluster: Cluster;
  const runTag = randomUUID().slice(0, 6);

  beforeAll(async () => {
    cluster = await startCluster({ replicas: 2 });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const client = (i: number): Client => ({ base: () => cluster.api(i % 2), sandboxUrl: cluster.sandboxUrl });

  it('runs a batch of journeys and reminders with every effect exactly once', async () => {
    try {
      // Reminders: lessons 15 minutes and a few seconds ahead, so that the 15-minute reminder
      // falls due during the test, while both notifications replicas run the reminder job.
      const reminderBookings = await Promise.all(
        [0, 1].map(async (i) => {
          const c = client(i);
          const [tutor, student] = await Promise.all([register(c, 'tutor', `Reminder Tutor ${i}`), register(c, 'student', `Reminder Student ${i}`)]);
          const subject = `rel-reminder-${runTag}-${i}`;
          await setUpTutor(c, tutor, subject, { amountMinor: 30000, currency: 'ETB' });
          const b = await book(c, student, tutor, subject, new Date(Date.now() + 15 * 60_000 + 20_000), 30);
          await accept(c, tutor, b.id);
          await pay(c, student, b.id);
          await waitBookingStatus(c, student, b.id, ['confirmed']);
          return { bookingId: b.id, users: [student, tutor] };
        }),
      );

      const journeys = await runBatch(client, 9, 6, runTag);

      // Each participant of each reminder booking is reminded, once.
      for (const r of reminderBookings) {
        for (const u of r.users) {
          await until(`the 15-minute reminder for ${u.fullName}`, async () => {
            const res = await http<{ items: Array<{ kind: string; data: { bookingId?: string } }> }>(cluster.api(0), 'GET', '/notifications?limit=100', { token: u.token });
            return res.status === 200 && res.body.items.some((n) => n.kind === 'booking.reminder' && n.data.bookingId === r.bookingId);
          }, 60000, 500);
        }
      }
      // Let both reminder jobs and both release jobs run a few more passes over the same rows.
      await new Promise((r) => setTimeout(r, 3000));

      const reminders = await withDb(cluster.db.url, async (c) =>
        (
          await c.query(
            `SELECT data->>'bookingId' AS booking_id, user_id, count(*)::int AS n FROM notifications.notifications
              WHERE kind = 'booking.reminder' AND data->>'bookingId' = ANY($1) GROUP BY 1, 2`,
            [reminderBookings.map((r) => r.bookingId)],
          )
        ).rows,
      );
      expect(reminders).toHaveLength(4);
      expect(reminders.every((r) => r.n === 1)).toBe(true);

      const { delivered, money } = await assertAllWell(cluster, journeys);
      expect(money.escrows.released).toBe(3);

      // Both replicas of every consumer really took part (otherwise this proved nothing).
      const handled: Record<string, number[]> = {};
      for (const s of [...SERVICES, 'gateway' as const]) {
        if (s === 'gateway') continue;
        handled[s] = await Promise.all([0, 1].map(async (i) => (await consumedByOutcome(cluster, s, i)).handled ?? 0));
        expect(handled[s][0]).toBeGreaterThan(0);
        expect(handled[s][1]).toBeGreaterThan(0);
      }
      record('replicas', { journeys: journeys.length, reminders: reminders.length, handledPerReplica: handled, delivered, money });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await diagnose(cluster)}\n${cluster.dump(15)}`);
    }
  });
});
