import { ManualClock } from '@tutorhub/platform';
import { FakeFcm } from '../../test/support/fake-fcm';
import { parseServiceAccount } from '../config';
import { FcmClient, UnregisteredTokenError } from './fcm-client';

describe('FcmClient (against a loopback fake of Google OAuth + FCM HTTP v1)', () => {
  const fake = new FakeFcm();
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  let client: FcmClient;

  beforeAll(async () => {
    await fake.start();
    client = new FcmClient({ projectId: 'demo-project', serviceAccount: parseServiceAccount(fake.serviceAccountJson()), baseUrl: fake.baseUrl }, clock);
  });
  afterAll(() => fake.stop());

  it('signs a service-account assertion the token endpoint accepts, and sends with the access token', async () => {
    await client.send('device-1', { title: 'Hi', body: 'There', data: { kind: 'x' } });
    expect(fake.sent).toEqual([{ projectId: 'demo-project', token: 'device-1', title: 'Hi', body: 'There', data: { kind: 'x' } }]);
    expect(fake.tokenRequests).toBe(1);
  });

  it('caches the access token until shortly before it expires', async () => {
    await client.send('device-2', { title: 't', body: 'b', data: {} });
    expect(fake.tokenRequests).toBe(1);
    clock.advance(3599_000 - 60_000 - 1);
    await client.send('device-3', { title: 't', body: 'b', data: {} });
    expect(fake.tokenRequests).toBe(1);
    clock.advance(1);
    await client.send('device-4', { title: 't', body: 'b', data: {} });
    expect(fake.tokenRequests).toBe(2);
  });

  it('tells a dead token apart from a transient failure', async () => {
    fake.deadTokens.add('gone');
    await expect(client.send('gone', { title: 't', body: 'b', data: {} })).rejects.toBeInstanceOf(UnregisteredTokenError);
    fake.unavailable = true;
    const err = await client.send('device-5', { title: 't', body: 'b', data: {} }).catch((e: unknown) => e);
    fake.unavailable = false;
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnregisteredTokenError);
    expect((err as Error).message).toContain('503');
  });

  it('puts the claims Google expects into the assertion', () => {
    const [header, claims] = client.assertion(1_800_000_000).split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({
      iss: fake.clientEmail,
      scope: 'https://www.googleapis.com/auth/firebase.messaging',
      aud: `${fake.baseUrl}/token`,
      iat: 1_800_000_000,
      exp: 1_800_003_600,
    });
  });
});
