import { randomUUID } from 'node:crypto';
import { notificationItemSchema, notificationListSchema, type Actor } from '@tutorhub/contracts';
import { ManualClock } from '@tutorhub/platform';
import { accessTokenFor, startGatewayProcess, startTestService, type AppProcess, type TestService } from '@tutorhub/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import type { NotificationsConfig } from '../src/config';
import { notificationsMain } from '../src/main-definition';
import { deliver, envelope, queueReady } from './support/events';

/**
 * The inbox routes end to end: the real gateway as its own process (HTTP, JWT auth, query
 * validation, problem+json), forwarding over RabbitMQ to the real notifications service (in
 * this process), on Postgres. Nothing imports the gateway's code.
 */

const tutor: Actor = { userId: randomUUID(), role: 'tutor' };
const student: Actor = { userId: randomUUID(), role: 'student' };

describe('inbox routes through the gateway (HTTP → gateway process → RPC → notifications)', () => {
  let svc: TestService<NotificationsConfig>;
  let gateway: AppProcess | undefined;
  let base: string;

  beforeAll(async () => {
    svc = await startTestService(notificationsMain, {
      module: (c) => AppModule.forRoot(c as NotificationsConfig, { clock: new ManualClock('2026-03-01T10:00:00.000Z'), relay: false }),
      services: ['notifications', 'gateway'],
    });
    await queueReady(svc.namespace);
    const ds = svc.app.get(DataSource);
    for (let i = 1; i <= 3; i++) {
      await deliver(svc.namespace, ds, envelope('payments.payout.succeeded.v1', { payoutId: randomUUID(), tutorId: tutor.userId, amount: { amountMinor: i * 1000, currency: 'ETB' } }));
    }
    await deliver(
      svc.namespace,
      ds,
      envelope('payments.payment.failed.v1', {
        paymentId: randomUUID(),
        bookingId: randomUUID(),
        studentId: student.userId,
        tutorId: tutor.userId,
        txRef: 'tx-http',
        amount: { amountMinor: 1000, currency: 'USD' },
        reason: null,
      }),
    );

    gateway = await startGatewayProcess({ databaseUrl: svc.db.url, namespace: svc.namespace });
    base = gateway.baseUrl;
  });

  afterAll(async () => {
    await gateway?.stop();
    await svc?.close();
  });

  async function http(method: 'GET' | 'POST' | 'DELETE', path: string, actor: Actor | null, json?: unknown) {
    const headers: Record<string, string> = {};
    if (actor) headers.authorization = `Bearer ${await accessTokenFor(actor, svc.db.url)}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  }

  it('needs a signed-in user', async () => {
    const res = await http('GET', '/api/notifications', null);
    expect(res.status).toBe(401);
    expect(res.type).toMatch(/^application\/problem\+json/);
  });

  it('lists the caller’s own notifications with cursor pagination and the unread count', async () => {
    const first = await http('GET', '/api/notifications?limit=2', tutor);
    expect(first.status).toBe(200);
    const page = notificationListSchema.parse(first.body);
    expect(page.unreadCount).toBe(3);
    expect(page.items.map((i) => i.body)).toEqual(['ETB 30.00 was sent to your bank account.', 'ETB 20.00 was sent to your bank account.']);
    expect(page.nextCursor).toEqual(expect.any(String));
    const second = notificationListSchema.parse((await http('GET', `/api/notifications?limit=2&cursor=${page.nextCursor}`, tutor)).body);
    expect(second.items.map((i) => i.body)).toEqual(['ETB 10.00 was sent to your bank account.']);
    expect(second.nextCursor).toBeNull();

    const theirs = notificationListSchema.parse((await http('GET', '/api/notifications', student)).body);
    expect(theirs.items.map((i) => i.kind)).toEqual(['payment.failed']);
  });

  it('validates the query at the gateway', async () => {
    for (const query of ['limit=0', 'limit=abc', 'unreadOnly=maybe', 'unknown=1']) {
      const res = await http('GET', `/api/notifications?${query}`, tutor);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
    const forged = await http('GET', '/api/notifications?cursor=Zm9yZ2Vk', tutor);
    expect(forged).toMatchObject({ status: 400, body: { code: 'notifications.invalid_cursor' } });
  });

  it('marks one read (own only: 404 otherwise), lists unread only, and marks all read', async () => {
    const [newest] = notificationListSchema.parse((await http('GET', '/api/notifications', tutor)).body).items;
    const [studentsOwn] = notificationListSchema.parse((await http('GET', '/api/notifications', student)).body).items;

    const read = await http('POST', `/api/notifications/${newest.id}/read`, tutor);
    expect(read.status).toBe(200);
    expect(notificationItemSchema.parse(read.body)).toMatchObject({ id: newest.id, readAt: '2026-03-01T10:00:00.000Z' });

    const foreign = await http('POST', `/api/notifications/${studentsOwn.id}/read`, tutor);
    expect(foreign.status).toBe(404);
    expect(foreign.type).toMatch(/^application\/problem\+json/);
    expect(foreign.body).toMatchObject({ status: 404, code: 'notification.not_found' });
    expect((await http('POST', '/api/notifications/not-a-uuid/read', tutor)).status).toBe(400);

    const unread = notificationListSchema.parse((await http('GET', '/api/notifications?unreadOnly=true', tutor)).body);
    expect(unread.unreadCount).toBe(2);
    expect(unread.items.map((i) => i.id)).not.toContain(newest.id);

    const all = await http('POST', '/api/notifications/read-all', tutor);
    expect(all).toMatchObject({ status: 200, body: { updated: 2, unreadCount: 0 } });
    expect((await http('GET', '/api/notifications/unread-count', tutor)).body).toEqual({ unreadCount: 0 });
    // The student's inbox is untouched.
    expect((await http('GET', '/api/notifications/unread-count', student)).body).toEqual({ unreadCount: 1 });
  });

  it('registers and forgets a push device', async () => {
    const token = `device:${randomUUID()}-0123456789abcdef`;
    const registered = await http('POST', '/api/notifications/devices', student, { token, platform: 'ios' });
    expect(registered).toMatchObject({ status: 200, body: { token, platform: 'ios' } });
    expect((await http('POST', '/api/notifications/devices', student, { token, platform: 'symbian' })).status).toBe(400);
    const removed = await http('DELETE', `/api/notifications/devices/${encodeURIComponent(token)}`, student);
    expect(removed.status).toBe(204);
    const rows = await svc.app.get(DataSource).query(`SELECT count(*)::int AS n FROM notifications.device_tokens WHERE token = $1`, [token]);
    expect(rows[0].n).toBe(0);
  });
});
