import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Actor } from '@tutorhub/contracts';
import { ManualClock } from '@tutorhub/platform';
import { accessTokenFor, eventually, openSse, startGatewayProcess, startTestService, type AppProcess, type TestService } from '@tutorhub/testing';
import { AppModule } from '../src/app.module';
import type { NotificationsConfig } from '../src/config';
import { notificationsMain } from '../src/main-definition';
import { LiveFeed } from '../src/stream-notifications/live-feed';
import { deliver, envelope, queueReady } from './support/events';

/**
 * The live stream end to end (ADR 0018): the real gateway as its own process streams what the
 * notifications service (in this process) announces on the live feed, and a client that comes
 * back with its Last-Event-ID gets exactly what it missed, in order, once, then continues live.
 */
describe('live notification stream with resume (HTTP SSE → gateway process → live feed / RPC → notifications)', () => {
  let svc: TestService<NotificationsConfig>;
  let gateway: AppProcess | undefined;
  const ds = () => svc.app.get(DataSource);

  beforeAll(async () => {
    svc = await startTestService(notificationsMain, {
      module: (c) => AppModule.forRoot(c as NotificationsConfig, { clock: new ManualClock('2026-03-01T10:00:00.000Z'), relay: false }),
      services: ['notifications', 'gateway'],
    });
    await queueReady(svc.namespace);
    await eventually(async () => svc.app.get(LiveFeed).isForwarding);
    gateway = await startGatewayProcess({ databaseUrl: svc.db.url, namespace: svc.namespace });
  });
  afterAll(async () => {
    await gateway?.stop();
    await svc?.close();
  });

  /** One notification for the tutor; its body names the amount, so tests can tell them apart. */
  async function payout(tutor: Actor, amountMinor: number): Promise<string> {
    await deliver(svc.namespace, ds(), envelope('payments.payout.succeeded.v1', { payoutId: randomUUID(), tutorId: tutor.userId, amount: { amountMinor, currency: 'ETB' } }));
    const [row] = await ds().query(`SELECT id FROM notifications.notifications WHERE user_id = $1 AND data->>'payoutId' IS NOT NULL AND body LIKE $2`, [
      tutor.userId,
      `%${(amountMinor / 100).toFixed(2)}%`,
    ]);
    return row.id;
  }
  const stream = async (actor: Actor, query: string, headers: Record<string, string> = {}) =>
    openSse(`${gateway!.baseUrl}/api/notifications/stream?${query}`, { authorization: `Bearer ${await accessTokenFor(actor, svc.db.url)}`, ...headers });
  const seqsOf = async (ids: string[]): Promise<string[]> =>
    (await ds().query(`SELECT seq::text FROM notifications.notifications WHERE id = ANY($1::uuid[]) ORDER BY seq`, [ids])).map((r: { seq: string }) => r.seq);

  it('replays exactly the missed notifications after Last-Event-ID, in order and once, then continues live', async () => {
    const tutor: Actor = { userId: randomUUID(), role: 'tutor' };
    const first = await stream(tutor, 'resume=true');
    expect(first.res.status).toBe(200);
    // Open, subscribed, and positioned (an id without an event): "0", the tutor has nothing yet.
    await eventually(async () => first.blocks.some((b) => b.comments.includes('position')));
    expect(first.lastEventId()).toBe('0');

    const seen = [await payout(tutor, 1100), await payout(tutor, 1200)];
    await eventually(async () => first.notifications().length === 2);
    expect(first.notifications().map((n) => n.notificationId)).toEqual(seen);
    expect(first.notifications().map((n) => n.id)).toEqual(await seqsOf(seen));
    const lastEventId = first.lastEventId()!;
    first.close();

    // While the client is away.
    const missed = [await payout(tutor, 1300), await payout(tutor, 1400), await payout(tutor, 1500)];

    // EventSource reconnects with the Last-Event-ID header; the URL (resume=true) is the same.
    const second = await stream(tutor, 'resume=true', { 'last-event-id': lastEventId });
    await eventually(async () => second.notifications().length === 3);
    const after = await payout(tutor, 1600);
    await eventually(async () => second.notifications().length === 4);
    // Give a duplicate every chance to show up: one more notification must be the next thing.
    const sentinel = await payout(tutor, 1700);
    await eventually(async () => second.notifications().some((n) => n.notificationId === sentinel));

    const got = second.notifications();
    expect(got.map((n) => n.notificationId)).toEqual([...missed, after, sentinel]);
    expect(got.map((n) => n.id)).toEqual(await seqsOf([...missed, after, sentinel]));
    expect(got.map((n) => n.body)).toEqual([
      'ETB 13.00 was sent to your bank account.',
      'ETB 14.00 was sent to your bank account.',
      'ETB 15.00 was sent to your bank account.',
      'ETB 16.00 was sent to your bank account.',
      'ETB 17.00 was sent to your bank account.',
    ]);
    second.close();

    // A new connection that kept the id (lastEventId in the URL) gets nothing it already has.
    const third = await stream(tutor, `resume=true&lastEventId=${second.lastEventId()}`);
    const last = await payout(tutor, 1800);
    await eventually(async () => third.notifications().length > 0);
    expect(third.notifications().map((n) => n.notificationId)).toEqual([last]);
    third.close();
  });

  it('catches an open stream up on what the live feed lost while its forwarder was reconnecting', async () => {
    const tutor: Actor = { userId: randomUUID(), role: 'tutor' };
    const s = await stream(tutor, 'resume=true');
    await eventually(async () => s.blocks.some((b) => b.comments.includes('position')));
    const before = await payout(tutor, 3100);
    await eventually(async () => s.notifications().length === 1);

    // Cut the forwarder's LISTEN connection: what commits before it is back is announced to nobody.
    await ds().query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'notifications-live-feed' AND datname = current_database()`);
    await eventually(async () => !svc.app.get(LiveFeed).isForwarding); // it waits a second before it reconnects
    const duringGap = await payout(tutor, 3200);
    // Back, it publishes a resync first; the gateway asks for what came after the stream's last id.
    await eventually(async () => s.notifications().some((n) => n.notificationId === duringGap), 20000);
    await eventually(async () => svc.app.get(LiveFeed).isForwarding);
    const after = await payout(tutor, 3300);
    await eventually(async () => s.notifications().some((n) => n.notificationId === after));

    expect(s.notifications().map((n) => n.notificationId)).toEqual([before, duringGap, after]);
    expect(s.notifications().map((n) => n.id)).toEqual(await seqsOf([before, duringGap, after]));
    expect(s.ended).toBe(false);
    s.close();
  });

  it('streams live only without resume=true (as before), ids included, and refuses a bad lastEventId', async () => {
    const tutor: Actor = { userId: randomUUID(), role: 'tutor' };
    await payout(tutor, 2100);
    const live = await stream(tutor, '', { 'last-event-id': '1' });
    await eventually(async () => live.blocks.some((b) => b.comments.includes('connected')));
    // Subscribed once the gateway answers for the stream: wait until a notification arrives.
    let id = '';
    await eventually(async () => {
      id = await payout(tutor, 2200 + live.blocks.length);
      return live.notifications().length > 0;
    }, 20000, 200);
    // Nothing from before the stream opened is replayed.
    expect(live.notifications().map((n) => n.body)).not.toContain('ETB 21.00 was sent to your bank account.');
    expect(live.notifications().at(-1)).toMatchObject({ notificationId: id, id: (await seqsOf([id]))[0] });
    live.close();

    const bad = await fetch(`${gateway!.baseUrl}/api/notifications/stream?resume=true&lastEventId=abc`, {
      headers: { authorization: `Bearer ${await accessTokenFor(tutor, svc.db.url)}` },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await bad.json()).toMatchObject({ code: 'validation_failed' });
  });
});
