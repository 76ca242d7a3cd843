import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Actor, MarkAllReadResult, NotificationItem, NotificationList, UnreadCountResult } from '@tutorhub/contracts';
import { RpcClient, RpcError } from '@tutorhub/messaging';
import { ManualClock } from '@tutorhub/platform';
import { startTestService, type TestService } from '@tutorhub/testing';
import { AppModule } from '../src/app.module';
import type { NotificationsConfig } from '../src/config';
import { notificationsMain } from '../src/main-definition';
import { deliver, envelope, queueReady } from './support/events';

const tutor: Actor = { userId: randomUUID(), role: 'tutor' };
const other: Actor = { userId: randomUUID(), role: 'tutor' };
const admin: Actor = { userId: randomUUID(), role: 'admin' };

describe('inbox RPC (real RabbitMQ + Postgres)', () => {
  let svc: TestService<NotificationsConfig>;
  let clock: ManualClock;
  const ds = () => svc.app.get(DataSource);
  const call = <T>(pattern: string, data: unknown, actor: Actor | null) =>
    svc.app.get(RpcClient).call<T>('notifications', pattern, data, { actor });
  const list = (actor: Actor, data: Record<string, unknown> = {}) => call<NotificationList>('notifications.list', data, actor);

  beforeAll(async () => {
    clock = new ManualClock('2026-03-01T10:00:00.000Z');
    svc = await startTestService(notificationsMain, {
      module: (c) => AppModule.forRoot(c as NotificationsConfig, { clock, relay: false }),
    });
    await queueReady(svc.namespace);
    // 25 payouts for the tutor (one notification each), 2 for someone else.
    const events = [
      ...Array.from({ length: 25 }, (_, i) =>
        envelope('payments.payout.succeeded.v1', { payoutId: randomUUID(), tutorId: tutor.userId, amount: { amountMinor: (i + 1) * 100, currency: 'ETB' } }),
      ),
      ...Array.from({ length: 2 }, () =>
        envelope('payments.payout.succeeded.v1', { payoutId: randomUUID(), tutorId: other.userId, amount: { amountMinor: 5, currency: 'USD' } }),
      ),
    ];
    // One at a time, so that the inbox order is the publication order.
    for (const e of events) await deliver(svc.namespace, ds(), e);
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('lists only the caller’s own notifications, newest first, with cursor pagination', async () => {
    const first = await list(tutor, { limit: 10 });
    expect(first.items).toHaveLength(10);
    expect(first.unreadCount).toBe(25);
    expect(first.items[0]).toEqual({
      id: expect.any(String),
      kind: 'payout.succeeded',
      title: 'Withdrawal sent',
      body: 'ETB 25.00 was sent to your bank account.',
      data: { payoutId: expect.any(String), amount: { amountMinor: 2500, currency: 'ETB' } },
      createdAt: '2026-03-01T10:00:00.000Z',
      readAt: null,
    });
    const second = await list(tutor, { limit: 10, cursor: first.nextCursor });
    const third = await list(tutor, { limit: 10, cursor: second.nextCursor });
    expect(third.items).toHaveLength(5);
    expect(third.nextCursor).toBeNull();
    const amounts = [...first.items, ...second.items, ...third.items].map((i) => (i.data.amount as { amountMinor: number }).amountMinor);
    expect(amounts).toEqual(Array.from({ length: 25 }, (_, i) => (25 - i) * 100));

    const theirs = await list(other);
    expect(theirs.items.map((i) => i.body)).toEqual(['USD 0.05 was sent to your bank account.', 'USD 0.05 was sent to your bank account.']);
    expect(theirs.unreadCount).toBe(2);
    expect(await list(admin)).toEqual({ items: [], unreadCount: 0, nextCursor: null });
  });

  it('does not let anyone read or mark another user’s notification (404), admins included', async () => {
    const [theirs] = (await list(other)).items;
    for (const actor of [tutor, admin]) {
      await expect(call('notifications.mark_read', { notificationId: theirs.id }, actor)).rejects.toMatchObject({
        status: 404,
        code: 'notification.not_found',
      });
    }
    await expect(call('notifications.mark_read', { notificationId: randomUUID() }, tutor)).rejects.toMatchObject({ status: 404 });
    const [row] = await ds().query(`SELECT read_at FROM notifications.notifications WHERE id = $1`, [theirs.id]);
    expect(row.read_at).toBeNull();
  });

  it('marks one read (idempotently), filters unread only, and counts unread', async () => {
    const [newest, second] = (await list(tutor, { limit: 2 })).items;
    clock.set('2026-03-01T11:00:00.000Z');
    const read = await call<NotificationItem>('notifications.mark_read', { notificationId: newest.id }, tutor);
    expect(read).toMatchObject({ id: newest.id, readAt: '2026-03-01T11:00:00.000Z' });
    clock.set('2026-03-01T12:00:00.000Z');
    const again = await call<NotificationItem>('notifications.mark_read', { notificationId: newest.id }, tutor);
    expect(again.readAt).toBe('2026-03-01T11:00:00.000Z');

    const unread = await list(tutor, { unreadOnly: true, limit: 100 });
    expect(unread.unreadCount).toBe(24);
    expect(unread.items).toHaveLength(24);
    expect(unread.items[0].id).toBe(second.id);
    expect(unread.items.some((i) => i.id === newest.id)).toBe(false);
    // Paging through unread only also ends.
    const page = await list(tutor, { unreadOnly: true, limit: 20 });
    const rest = await list(tutor, { unreadOnly: true, limit: 20, cursor: page.nextCursor });
    expect([...page.items, ...rest.items]).toHaveLength(24);
    expect(rest.nextCursor).toBeNull();

    await expect(call<UnreadCountResult>('notifications.unread_count', {}, tutor)).resolves.toEqual({ unreadCount: 24 });
    // The other user's inbox is untouched.
    await expect(call<UnreadCountResult>('notifications.unread_count', {}, other)).resolves.toEqual({ unreadCount: 2 });
  });

  it('marks all of the caller’s notifications read, and only theirs', async () => {
    const result = await call<MarkAllReadResult>('notifications.mark_all_read', {}, tutor);
    expect(result).toEqual({ updated: 24, unreadCount: 0 });
    expect((await list(tutor, { unreadOnly: true })).items).toEqual([]);
    expect((await list(other)).unreadCount).toBe(2);
    await expect(call<MarkAllReadResult>('notifications.mark_all_read', {}, tutor)).resolves.toEqual({ updated: 0, unreadCount: 0 });
  });

  it('refuses anonymous callers, bad input and forged cursors', async () => {
    await expect(call('notifications.list', {}, null)).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    const invalid = (await list(tutor, { limit: 1000, extra: true }).catch((e) => e)) as RpcError;
    expect(invalid).toBeInstanceOf(RpcError);
    expect(invalid.problem).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(invalid.problem.errors!.map((e) => e.path).sort()).toEqual(['', 'limit']);
    await expect(list(tutor, { cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ status: 400, code: 'notifications.invalid_cursor' });
    await expect(call('notifications.mark_read', { notificationId: 'nope' }, tutor)).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('registers device tokens for push, moves a token to whoever registers it last, and forgets it on request', async () => {
    const token = `fcm-token:${randomUUID()}-abcdefghijklmnop`;
    await expect(call('notifications.register_device', { token, platform: 'android' }, tutor)).resolves.toEqual({ token, platform: 'android' });
    await call('notifications.register_device', { token, platform: 'ios' }, other);
    const rows = await ds().query(`SELECT user_id, platform FROM notifications.device_tokens WHERE token = $1`, [token]);
    expect(rows).toEqual([{ user_id: other.userId, platform: 'ios' }]);
    await expect(call('notifications.unregister_device', { token }, tutor)).resolves.toEqual({ removed: false });
    await expect(call('notifications.unregister_device', { token }, other)).resolves.toEqual({ removed: true });
    await expect(call('notifications.register_device', { token: 'short', platform: 'android' }, tutor)).rejects.toMatchObject({ status: 400 });
  });
});
