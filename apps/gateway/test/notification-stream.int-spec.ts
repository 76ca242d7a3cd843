import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { AmqpConnection, Topology } from '@tutorhub/messaging';
import { eventually, openSse, rawBroker } from '@tutorhub/testing';
import { NotificationHub } from '../src/notifications-stream';
import { SignJWT } from 'jose';
import { api, JWT_SECRET, newActor, sessionFor, startGateway, tokenFor, type Gateway } from './support';

describe('live notification stream (SSE over real HTTP + RabbitMQ)', () => {
  let gw: Gateway;
  let broker: ChannelModel;
  let ch: ConfirmChannel;
  let topology: Topology;

  beforeAll(async () => {
    gw = await startGateway({ SSE_HEARTBEAT_MS: '1000' });
    broker = await rawBroker();
    ch = await broker.createConfirmChannel();
    topology = new Topology(gw.namespace);
  });
  afterAll(async () => {
    await broker?.close();
    await gw?.close();
  });

  /** Publishes a notification event to the namespace's events exchange, as the notifications relay would. */
  async function publish(userId: string, kind = 'booking.requested') {
    const notificationId = randomUUID();
    const envelope = {
      id: randomUUID(),
      type: 'notifications.notification.created.v1',
      version: 1,
      occurredAt: new Date().toISOString(),
      producer: 'notifications',
      correlationId: randomUUID(),
      causationId: null,
      data: { notificationId, userId, kind, title: 'New booking request', body: 'Abebe wants a lesson', data: { bookingId: randomUUID() }, createdAt: new Date().toISOString() },
    };
    ch.publish(topology.eventsExchange, envelope.type, Buffer.from(JSON.stringify(envelope)), { persistent: true, messageId: envelope.id, contentType: 'application/json' });
    await ch.waitForConfirms();
    return notificationId;
  }

  it('streams each user only their own notifications', async () => {
    const alice = newActor('student');
    const bob = newActor('tutor');
    const a = await openSse(`${gw.baseUrl}/api/notifications/stream`, { authorization: `Bearer ${await tokenFor(gw, alice)}` });
    // EventSource clients put the token in the URL.
    const b = await openSse(`${gw.baseUrl}/api/notifications/stream?access_token=${await tokenFor(gw, bob)}`);
    try {
      expect(a.res.status).toBe(200);
      expect(a.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(b.res.status).toBe(200);
      await eventually(async () => gw.app.get(NotificationHub).subscriberCount(alice.userId) === 1 && gw.app.get(NotificationHub).subscriberCount(bob.userId) === 1);

      const forAlice = await publish(alice.userId);
      const forBob = await publish(bob.userId);
      await eventually(async () => a.notifications().length === 1 && b.notifications().length === 1);
      expect(a.notifications()).toEqual([expect.objectContaining({ notificationId: forAlice, userId: alice.userId })]);
      // Bob's own notification came after Alice's on the same queue: had Alice's reached him, it would be here first.
      expect(b.notifications()).toEqual([expect.objectContaining({ notificationId: forBob, userId: bob.userId })]);
      await eventually(async () => a.comments.includes('heartbeat'));
    } finally {
      a.close();
      b.close();
    }
    await eventually(async () => gw.app.get(NotificationHub).subscriberCount(alice.userId) === 0);
  });

  it('ends the stream with event token_expired when the access token expires', async () => {
    const dave = newActor();
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await new SignJWT({ role: dave.role, sid: await sessionFor(gw, dave) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(dave.userId)
      .setIssuer('tutorhub')
      .setAudience('tutorhub-app')
      .setIssuedAt(now)
      .setExpirationTime(now + 2)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const s = await openSse(`${gw.baseUrl}/api/notifications/stream`, { authorization: `Bearer ${shortLived}` });
    expect(s.res.status).toBe(200);
    await eventually(async () => s.ended, 15000);
    expect(s.events.at(-1)?.event).toBe('token_expired');
    expect(gw.app.get(NotificationHub).subscriberCount(dave.userId)).toBe(0);
  });

  it('refuses a stream without a valid token, and the query token on other routes', async () => {
    const none = await api(gw, '/api/notifications/stream');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'auth.unauthenticated' });
    expect((await api(gw, '/api/notifications/stream?access_token=garbage')).body).toMatchObject({ status: 401, code: 'auth.token_invalid' });
    const token = await tokenFor(gw, newActor());
    const elsewhere = await api(gw, `/api/test/whoami?access_token=${token}&x=1`);
    expect(elsewhere.status).toBe(401);
    // The token never reaches what logs and problems see.
    expect(elsewhere.body.instance).toBe('/api/test/whoami?x=1');
  });

  it('keeps streaming after the broker connection is lost and re-established', async () => {
    const carol = newActor();
    const s = await openSse(`${gw.baseUrl}/api/notifications/stream`, { authorization: `Bearer ${await tokenFor(gw, carol)}` });
    try {
      const hub = gw.app.get(NotificationHub);
      await eventually(async () => hub.subscriberCount(carol.userId) === 1);
      const before = hub.currentQueue;
      expect(before).toBeTruthy();
      // Make the broker close one of the gateway's channels (a 404 on a passive declare); the
      // connection then recycles and every setup runs again, the stream's queue included.
      const channel = gw.app.get(AmqpConnection).publishChannel!;
      await channel.checkQueue(`missing-${randomUUID()}`).catch(() => undefined);
      await eventually(async () => hub.currentQueue !== undefined && hub.currentQueue !== before, 20000);
      // Publish until one arrives: anything sent before the new queue was bound is (by design) not streamed.
      await eventually(async () => {
        await publish(carol.userId, 'after.reconnect');
        return s.notifications().some((n) => n.kind === 'after.reconnect');
      }, 20000, 200);
      expect(s.ended).toBe(false);
    } finally {
      s.close();
    }
  });
});
