import { RtcRole, RtcTokenBuilder } from 'agora-token';
import { AccessToken2, ServiceRtc, kRtcServiceType } from 'agora-token/src/AccessToken2';
import { AGORA_MAX_PRIVILEGE_SECONDS, AgoraTokenError, buildRtcToken, type RtcTokenRequest } from './agora-token';
import { decodeAccessToken2, RTC_PRIVILEGE, verifyAccessToken2 } from './agora-token.decode';

// Agora's published AccessToken2 test vector (AgoraIO/Tools, nodejs/test/AccessToken2Test.js,
// AccessToken_Test), also in REFERENCE.md.
const VECTOR = {
  appId: '970CA35de60c44645bbae8a215061b33',
  appCertificate: '5CFd2fd1755d40ecb72977518be15d3b',
  channelName: '7d72365eb983485397e3e3f9d460bdda',
  uid: 2882341273,
  issueTs: 1111111,
  expire: 600,
  salt: 1,
  token:
    '007eJxTYBBbsMMnKq7p9Hf/HcIX5kce9b518kCiQgSr5Zrp4X1Tu6UUGCzNDZwdjU1TUs0Mkk1MzExMk5ISUy0SjQxNDcwMk4yN3b8IMEQwMTAwMoAwBIL4CgzmKeZGxmamqUmWFsYmFqbGluapxqnGaZYpJmYGSSkpiVwMRhYWRsYmhkbmxgDCaiTj',
} as const;

// Our publisher token (join + publish audio/video/data, 600 s each) for the vector's inputs,
// salt and issue time. Not published by Agora: generated with agora-token 2.0.6, checked to
// equal AccessToken2 + ServiceRtc built by hand with those four privileges, and pinned so a
// package upgrade that changes what buildTokenWithUid emits fails here.
const PUBLISHER_GOLDEN =
  '007eJxTYDhuGCT90E3Yo2+N3efJV5hX1K1MZAqae/Sa8UP9VXvOhfArMFiaGzg7GpumpJoZJJuYmJmYJiUlplokGhmaGpgZJhkbu38RYIhgYmBgZABhRgYWBkYwnwlMMoNJFjCpwGCeYm5kbGaammRpYWxiYWpsaZ5qnGqcZpliYmaQlJKSyMVgZGFhZGxiaGRuDACosyXL';

/** Freezes the clock the package reads for issueTs and the randomness it draws the salt from (salt = 1). */
function pinIssueTimeAndSalt(issueTsSeconds: number): void {
  jest.useFakeTimers({ now: issueTsSeconds * 1000 });
  jest.spyOn(Math, 'random').mockReturnValue(0);
}

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

const at = (iso: string): Date => new Date(iso);

function request(overrides: Partial<RtcTokenRequest> = {}): RtcTokenRequest {
  return {
    appId: VECTOR.appId,
    appCertificate: VECTOR.appCertificate,
    channelName: 'th_0f8fad5bd9cb469fa16570867728950e',
    uid: 123456789,
    now: at('2030-03-04T10:00:00.000Z'),
    expiresAt: at('2030-03-04T11:10:00.000Z'),
    ...overrides,
  };
}

describe('agora-token package pinned to the published AccessToken2 vector', () => {
  it('AccessToken2 + ServiceRtc with fixed salt and issueTs give the exact published token', () => {
    const token = new AccessToken2(VECTOR.appId, VECTOR.appCertificate, VECTOR.issueTs, VECTOR.expire);
    token.salt = VECTOR.salt;
    const rtc = new ServiceRtc(VECTOR.channelName, VECTOR.uid);
    rtc.add_privilege(ServiceRtc.kPrivilegeJoinChannel, VECTOR.expire);
    token.add_service(rtc);

    expect(token.build()).toBe(VECTOR.token);
  });

  it('the public RtcTokenBuilder.buildTokenWithUid (subscriber: join only) gives the same token for the same clock and salt', () => {
    pinIssueTimeAndSalt(VECTOR.issueTs);

    const token = RtcTokenBuilder.buildTokenWithUid(
      VECTOR.appId,
      VECTOR.appCertificate,
      VECTOR.channelName,
      VECTOR.uid,
      RtcRole.SUBSCRIBER,
      VECTOR.expire,
      VECTOR.expire,
    );

    expect(token).toBe(VECTOR.token);
  });

  it('RtcRole.PUBLISHER is 1', () => {
    expect(RtcRole.PUBLISHER).toBe(1);
  });
});

describe('buildRtcToken', () => {
  it('builds exactly the pinned publisher token for the vector inputs', () => {
    pinIssueTimeAndSalt(VECTOR.issueTs);

    const result = buildRtcToken({
      appId: VECTOR.appId,
      appCertificate: VECTOR.appCertificate,
      channelName: VECTOR.channelName,
      uid: VECTOR.uid,
      now: new Date(VECTOR.issueTs * 1000),
      expiresAt: new Date((VECTOR.issueTs + VECTOR.expire) * 1000),
    });

    expect(result.token).toBe(PUBLISHER_GOLDEN);
    expect(result.expiresAt).toEqual(new Date((VECTOR.issueTs + VECTOR.expire) * 1000));
  });

  it('round-trips: the token carries the app id, channel, uid, publisher privileges and an expiry equal to expiresAt', () => {
    const now = at('2030-03-04T10:00:00.000Z');
    const expiresAt = at('2030-03-04T11:10:00.000Z'); // 70 min
    jest.useFakeTimers({ now });

    const result = buildRtcToken(request({ now, expiresAt, uid: 4_000_000_001 }));
    const decoded = decodeAccessToken2(result.token);

    expect(result.expiresAt).toEqual(expiresAt);
    expect(decoded.appId).toBe(VECTOR.appId);
    expect(decoded.issueTs).toBe(now.getTime() / 1000);
    expect(decoded.expire).toBe(4200);
    expect(decoded.issueTs + decoded.expire).toBe(expiresAt.getTime() / 1000);
    expect(decoded.services.rtc).toEqual({
      channelName: 'th_0f8fad5bd9cb469fa16570867728950e',
      uid: 4_000_000_001,
      account: '4000000001',
      privileges: {
        [RTC_PRIVILEGE.joinChannel]: 4200,
        [RTC_PRIVILEGE.publishAudioStream]: 4200,
        [RTC_PRIVILEGE.publishVideoStream]: 4200,
        [RTC_PRIVILEGE.publishDataStream]: 4200,
      },
    });
    expect(verifyAccessToken2(result.token, VECTOR.appCertificate)).toBe(true);
    expect(verifyAccessToken2(result.token, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toBe(false);
  });

  it('agrees with the package’s own parser and signature check', () => {
    const result = buildRtcToken(request());
    const ours = decodeAccessToken2(result.token);
    const theirs = new AccessToken2('', '', 0, 0);

    expect(theirs.from_string(result.token)).toBe(true);
    expect(theirs.verifySignature(VECTOR.appCertificate)).toBe(true);
    const rtc = theirs.getServices(kRtcServiceType)[0]!;
    expect(ours.appId).toBe(theirs.appId.toString());
    expect(ours.issueTs).toBe(theirs.issueTs);
    expect(ours.expire).toBe(theirs.expire);
    expect(ours.salt).toBe(theirs.salt);
    expect(ours.services.rtc?.channelName).toBe(rtc.__channel_name.toString());
    expect(ours.services.rtc?.account).toBe(rtc.__uid.toString());
    expect(ours.services.rtc?.privileges).toEqual(rtc.__privileges);
  });

  it('counts whole seconds from the issue second and reports the expiry the token really has', () => {
    const now = at('2030-03-04T10:00:00.900Z');
    jest.useFakeTimers({ now });

    const result = buildRtcToken(request({ now, expiresAt: at('2030-03-04T10:00:30.200Z') }));

    expect(decodeAccessToken2(result.token).expire).toBe(30);
    expect(result.expiresAt).toEqual(at('2030-03-04T10:00:30.000Z'));
  });

  it('caps token and privileges at 24 h for an expiry further away; the client renews via POST …/token', () => {
    const now = at('2030-03-04T10:00:00.000Z');
    jest.useFakeTimers({ now });

    const result = buildRtcToken(request({ now, expiresAt: at('2030-03-05T16:00:00.000Z') }));
    const decoded = decodeAccessToken2(result.token);

    expect(decoded.expire).toBe(AGORA_MAX_PRIVILEGE_SECONDS);
    expect(Object.values(decoded.services.rtc!.privileges)).toEqual([86400, 86400, 86400, 86400]);
    expect(result.expiresAt).toEqual(at('2030-03-05T10:00:00.000Z'));
  });

  it('gives exactly 24 h when asked for exactly 24 h, and 24 h when asked for one second more', () => {
    const now = at('2030-03-04T10:00:00.000Z');
    const exactly = buildRtcToken(request({ now, expiresAt: at('2030-03-05T10:00:00.000Z') }));
    const oneMore = buildRtcToken(request({ now, expiresAt: at('2030-03-05T10:00:01.000Z') }));

    expect(decodeAccessToken2(exactly.token).expire).toBe(86400);
    expect(decodeAccessToken2(oneMore.token).expire).toBe(86400);
    expect(oneMore.expiresAt).toEqual(at('2030-03-05T10:00:00.000Z'));
  });

  it.each([
    ['equal to now', '2030-03-04T10:00:00.000Z'],
    ['in the past', '2030-03-04T09:00:00.000Z'],
    ['within the same second', '2030-03-04T10:00:00.500Z'],
  ])('never asks for less than 1 second (expiresAt %s)', (_label, expiresAt) => {
    const now = at('2030-03-04T10:00:00.000Z');
    const result = buildRtcToken(request({ now, expiresAt: at(expiresAt) }));

    expect(decodeAccessToken2(result.token).expire).toBe(1);
    expect(decodeAccessToken2(result.token).services.rtc!.privileges[RTC_PRIVILEGE.joinChannel]).toBe(1);
    expect(result.expiresAt).toEqual(at('2030-03-04T10:00:01.000Z'));
  });

  it.each([1, 2 ** 32 - 1])('accepts the uid bound %d', (uid) => {
    expect(decodeAccessToken2(buildRtcToken(request({ uid })).token).services.rtc!.uid).toBe(uid);
  });

  it.each([0, -1, 2 ** 32, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses uid %d', (uid) => {
    expect(() => buildRtcToken(request({ uid }))).toThrow(
      expect.objectContaining({ name: 'AgoraTokenError', code: 'agora.invalid_uid' }),
    );
  });

  it.each([
    ['empty', ''],
    ['64 bytes', 'a'.repeat(64)],
    ['a slash', 'th/abc'],
    ['non-ASCII', 'thé'],
    ['a newline', 'th\nabc'],
  ])('refuses a channel name with %s', (_label, channelName) => {
    expect(() => buildRtcToken(request({ channelName }))).toThrow(
      expect.objectContaining({ code: 'agora.invalid_channel_name' }),
    );
  });

  it('accepts a 63-byte channel name', () => {
    const channelName = 'a'.repeat(63);
    expect(decodeAccessToken2(buildRtcToken(request({ channelName })).token).services.rtc!.channelName).toBe(channelName);
  });

  it.each([
    ['app id too short', { appId: '970CA35de60c44645bbae8a215061b3' }],
    ['app id not hex', { appId: '970CA35de60c44645bbae8a215061bzz' }],
    ['certificate empty', { appCertificate: '' }],
  ])('refuses bad credentials (%s) without echoing the certificate', (_label, overrides) => {
    let thrown: unknown;
    try {
      buildRtcToken(request(overrides));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AgoraTokenError);
    expect((thrown as AgoraTokenError).code).toBe('agora.invalid_credentials');
    expect((thrown as AgoraTokenError).message).not.toContain(VECTOR.appCertificate);
  });

  it('refuses invalid dates', () => {
    expect(() => buildRtcToken(request({ now: new Date(Number.NaN) }))).toThrow(
      expect.objectContaining({ code: 'agora.invalid_time' }),
    );
    expect(() => buildRtcToken(request({ expiresAt: new Date('nope') }))).toThrow(
      expect.objectContaining({ code: 'agora.invalid_time' }),
    );
  });
});
