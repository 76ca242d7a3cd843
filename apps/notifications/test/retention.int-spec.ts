import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import type { EventEnvelope } from '@tutorhub/contracts';
import { Topology } from '@tutorhub/messaging';
import { ManualClock } from '@tutorhub/platform';
import { MessagingRetentionJob } from '@tutorhub/service';
import { eventually, queueDepth, startTestService, type TestService } from '@tutorhub/testing';
import { AppModule } from '../src/app.module';
import type { NotificationsConfig } from '../src/config';
import { notificationsMain } from '../src/main-definition';
import { NotificationsRetentionJob } from '../src/prune-read-notifications/prune-read-notifications.job';
import { LiveFeed } from '../src/stream-notifications/live-feed';
import { deliver, envelope, publish, queueReady } from './support/events';
import { LiveTap } from './support/live-tap';

/**
 * Retention in notifications (docs/operations.md "Data retention"): read notifications and their
 * deliveries go after NOTIFICATIONS_READ_RETENTION_DAYS (90), unread ones stay; and a redelivered
 * event after its inbox id was pruned has no second effect, with the real consumers. Rows are
 * placed in time by explicit timestamps: notifications by the service's ManualClock, inbox ids by
 * the database clock (which stamps them).
 */
const NOW = '2026-03-01T10:00:00.000Z';
const DAY = 86_400_000;
const ago = (days: number, extraMs = 0) => new Date(Date.parse(NOW) - days * DAY - extraMs);

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = register.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}


describe('notifications retention (real Postgres + RabbitMQ)', () => {
  let svc: TestService<NotificationsConfig>;
  let tap: LiveTap;
  const ds = () => svc.app.get(DataSource);

  beforeAll(async () => {
    svc = await startTestService(notificationsMain, {
      env: { PRUNE_BATCH_SIZE: '40' },
      module: (c) => AppModule.forRoot(c as NotificationsConfig, { clock: new ManualClock(NOW), relay: false }),
    });
    tap = await LiveTap.open(svc.namespace);
    await eventually(async () => svc.app.get(LiveFeed).isForwarding);
    await queueReady(svc.namespace);
  });
  afterAll(async () => {
    await tap?.close();
    await svc?.close();
  });

  /** A notification with one delivery per given status. */
  async function notification(userId: string, readAt: Date | null, deliveries: string[] = ['sent']): Promise<string> {
    const id = randomUUID();
    await ds().query(
      `INSERT INTO notifications.notifications (id, user_id, kind, title, body, dedupe_key, created_at, read_at)
       VALUES ($1, $2, 'test', 't', 'b', $5, $3, $4)`,
      [id, userId, ago(400), readAt, `test:${id}`],
    );
    for (const [i, status] of deliveries.entries()) {
      await ds().query(
        `INSERT INTO notifications.deliveries (id, notification_id, channel, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
        [randomUUID(), id, ['in_app', 'email', 'push'][i], status, ago(400)],
      );
    }
    return id;
  }
  const existing = async (ids: string[]): Promise<string[]> =>
    (await ds().query(`SELECT id FROM notifications.notifications WHERE id = ANY($1::uuid[])`, [ids])).map((r: { id: string }) => r.id).sort();
  const deliveriesOf = async (ids: string[]): Promise<number> =>
    (await ds().query(`SELECT count(*)::int AS n FROM notifications.deliveries WHERE notification_id = ANY($1::uuid[])`, [ids]))[0].n;

  it('deletes read notifications past 90 days with their deliveries; keeps unread ones, recently read ones and those still being delivered', async () => {
    const user = randomUUID();
    const due = await notification(user, ago(90, 60_000), ['sent', 'failed']);
    const readRecently = await notification(user, ago(89));
    const unreadAncient = await notification(user, null);
    const stillSending = await notification(user, ago(200), ['sent', 'pending']);
    const before = { n: await metric('retention_rows_deleted_total', { table: 'notifications.notifications' }), d: await metric('retention_rows_deleted_total', { table: 'notifications.deliveries' }) };

    await expect(svc.app.get(NotificationsRetentionJob).runOnce()).resolves.toEqual({ deliveries: 2, notifications: 1 });

    expect(await existing([due, readRecently, unreadAncient, stillSending])).toEqual([readRecently, unreadAncient, stillSending].sort());
    expect(await deliveriesOf([due])).toBe(0);
    expect(await deliveriesOf([readRecently, unreadAncient, stillSending])).toBe(4);
    expect(await metric('retention_rows_deleted_total', { table: 'notifications.notifications' })).toBe(before.n + 1);
    expect(await metric('retention_rows_deleted_total', { table: 'notifications.deliveries' })).toBe(before.d + 2);
  });

  it('shares the work between concurrent runs (replicas) without counting a row twice', async () => {
    const user = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await notification(user, ago(120), ['sent', 'skipped']));
    const job = svc.app.get(NotificationsRetentionJob);

    const runs = await Promise.all([job.runOnce(), job.runOnce(), job.runOnce()]);

    expect(runs.reduce((n, r) => n + r.notifications, 0)).toBe(100);
    expect(runs.reduce((n, r) => n + r.deliveries, 0)).toBe(200);
    expect(await existing(ids)).toEqual([]);
  });

  describe('redelivery after the inbox id was pruned', () => {
    const welcomes = async (userId: string): Promise<number> =>
      (await ds().query(`SELECT count(*)::int AS n FROM notifications.notifications WHERE user_id = $1 AND kind = 'user.welcome'`, [userId]))[0].n;
    /** Live-feed items for the user (ADR 0018: the feed replaced the outbox event per notification). */
    const createdEvents = async (userId: string): Promise<number> => {
      await tap.settled(svc.namespace, ds());
      return tap.items.filter((i) => i.userId === userId).length;
    };
    const inInbox = async (e: EventEnvelope): Promise<boolean> =>
      (await ds().query(`SELECT 1 FROM notifications.inbox WHERE event_id = $1`, [e.id])).length > 0;
    const pruneInbox = async (e: EventEnvelope, daysAgo: number) => {
      await ds().query(`UPDATE notifications.inbox SET processed_at = now() - make_interval(days => $2) WHERE event_id = $1`, [e.id, daysAgo]);
      await svc.app.get(MessagingRetentionJob).runOnce();
      expect(await inInbox(e)).toBe(false);
    };
    const registered = () => {
      const userId = randomUUID();
      return envelope('identity.user.registered.v1', { userId, role: 'student', email: `${userId}@example.com`, fullName: 'Hana Girma' });
    };

    it('is handled again but changes nothing: the welcome is deduplicated by its own key', async () => {
      const e = registered();
      const userId = (e.data as { userId: string }).userId;
      await deliver(svc.namespace, ds(), e);
      expect(await welcomes(userId)).toBe(1);
      await pruneInbox(e, 31);

      // A redelivery the consumer still accepts (its occurredAt is recent).
      await deliver(svc.namespace, ds(), e);

      expect(await inInbox(e)).toBe(true); // the handler did run again…
      expect(await welcomes(userId)).toBe(1); // …without a second notification
      expect(await createdEvents(userId)).toBe(1); // …or a second announcement on the live stream
      expect((await ds().query(`SELECT count(*)::int AS n FROM notifications.user_contacts WHERE user_id = $1`, [userId]))[0].n).toBe(1);
    });

    it('is refused as too old once even the notification it made was read and pruned', async () => {
      const e = registered();
      const userId = (e.data as { userId: string }).userId;
      await deliver(svc.namespace, ds(), e);
      // 100 days on: the welcome was read long ago and pruned, and so was the inbox id.
      await ds().query(`UPDATE notifications.notifications SET read_at = $2 WHERE user_id = $1`, [userId, ago(95)]);
      await svc.app.get(NotificationsRetentionJob).runOnce();
      expect(await welcomes(userId)).toBe(0);
      await pruneInbox(e, 100);
      const dlq = new Topology(svc.namespace).deadLetterQueue('notifications');
      const parked = await queueDepth(dlq);

      // The same event redelivered then (a late DLQ replay): its occurredAt is 100 days old.
      await publish(svc.namespace, { ...e, occurredAt: new Date(Date.now() - 100 * DAY).toISOString() });

      await eventually(async () => (await queueDepth(dlq)) === parked + 1);
      expect(await welcomes(userId)).toBe(0);
      expect(await inInbox(e)).toBe(false);

      // Control: were the consumer to accept it, the pruned welcome would come back.
      await deliver(svc.namespace, ds(), e);
      expect(await welcomes(userId)).toBe(1);
    });
  });
});
