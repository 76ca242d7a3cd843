import { deflateSync, inflateSync } from 'node:zlib';
import { AccessToken2, ServiceRtc } from 'agora-token/src/AccessToken2';
import { AccessToken2FormatError, decodeAccessToken2, verifyAccessToken2 } from './agora-token.decode';

const appId = '970CA35de60c44645bbae8a215061b33';
const appCertificate = '5CFd2fd1755d40ecb72977518be15d3b';
const channelName = '7d72365eb983485397e3e3f9d460bdda';

// Published vectors from AgoraIO/Tools nodejs/test/AccessToken2Test.js (issueTs 1111111, expire 600, salt 1).
const RTC_UID_2882341273 =
  '007eJxTYBBbsMMnKq7p9Hf/HcIX5kce9b518kCiQgSr5Zrp4X1Tu6UUGCzNDZwdjU1TUs0Mkk1MzExMk5ISUy0SjQxNDcwMk4yN3b8IMEQwMTAwMoAwBIL4CgzmKeZGxmamqUmWFsYmFqbGluapxqnGaZYpJmYGSSkpiVwMRhYWRsYmhkbmxgDCaiTj';
const RTC_UID_0 =
  '007eJxTYLhzZP08Lxa1Pg57+TcXb/3cZ3wi4V6kbpbOog0G2dOYk20UGCzNDZwdjU1TUs0Mkk1MzExMk5ISUy0SjQxNDcwMk4yN3b8IMEQwMTAwMoAwBIL4CgzmKeZGxmamqUmWFsYmFqbGluapxqnGaZYpJmYGSSkpiQwMADacImo=';
// RTC (four privileges) then RTM (user "test_user").
const RTC_AND_RTM =
  '007eJxTYOAQsrQ5s3TfH+1tvy8zZZ46EpCc0V43JXdGd2jS8porKo4KDJbmBs6OxqYpqWYGySYmZiamSUmJqRaJRoamBmaGScbG7l8EGCKYGBgYGRgYmBgYGVgYGMF8JjDJDCZZwKQCg3mKuZGxmWlqkqWFsYmFqbGleapxqnGaZYqJmUFSSkoiF4ORhYWRsYmhkbkxyCyISZwMJanFJfGlxalFACKnKng=';

const content = (token: string): Buffer => inflateSync(Buffer.from(token.slice(3), 'base64'));
const repack = (bytes: Buffer): string => `007${deflateSync(bytes).toString('base64')}`;

describe('decodeAccessToken2', () => {
  it('reads every field of the published RTC vector', () => {
    expect(decodeAccessToken2(RTC_UID_2882341273)).toEqual({
      appId,
      issueTs: 1111111,
      expire: 600,
      salt: 1,
      services: { rtc: { channelName, uid: 2882341273, account: '2882341273', privileges: { 1: 600 } } },
      serviceTypes: [1],
    });
  });

  it('reads uid 0 ("any user") as the empty account', () => {
    expect(decodeAccessToken2(RTC_UID_0).services.rtc).toEqual({ channelName, uid: 0, account: '', privileges: { 1: 600 } });
  });

  it('reads the RTC service before an RTM service and reports where it stopped', () => {
    const decoded = decodeAccessToken2(RTC_AND_RTM);

    expect(decoded.services.rtc).toEqual({
      channelName,
      uid: 2882341273,
      account: '2882341273',
      privileges: { 1: 600, 2: 600, 3: 600, 4: 600 },
    });
    expect(decoded.serviceTypes).toEqual([1, 2]);
  });

  it('gives uid null for an account that is not a canonical 32-bit number', () => {
    const build = (account: string): string => {
      const token = new AccessToken2(appId, appCertificate, 1111111, 600);
      const rtc = new ServiceRtc(channelName, account);
      rtc.add_privilege(ServiceRtc.kPrivilegeJoinChannel, 600);
      token.add_service(rtc);
      return token.build();
    };

    expect(decodeAccessToken2(build('alice')).services.rtc).toMatchObject({ uid: null, account: 'alice' });
    expect(decodeAccessToken2(build('0042')).services.rtc).toMatchObject({ uid: null, account: '0042' });
    expect(decodeAccessToken2(build('4294967296')).services.rtc).toMatchObject({ uid: null });
    expect(decodeAccessToken2(build('4294967295')).services.rtc).toMatchObject({ uid: 4294967295 });
  });

  it.each([
    ['an empty string', ''],
    ['another version', '006' + RTC_UID_2882341273.slice(3)],
    ['no body', '007'],
    ['a body that is not base64', '007eJx!TYBB'],
    ['base64 that is not zlib', '007' + Buffer.from('hello world!').toString('base64')],
  ])('refuses %s', (_label, token) => {
    expect(() => decodeAccessToken2(token)).toThrow(AccessToken2FormatError);
  });

  it('refuses truncated content at any length', () => {
    const bytes = content(RTC_UID_2882341273);
    for (let length = 0; length < bytes.length; length += 1) {
      expect(() => decodeAccessToken2(repack(bytes.subarray(0, length)))).toThrow(AccessToken2FormatError);
    }
  });

  it('refuses trailing bytes after the declared services', () => {
    const bytes = Buffer.concat([content(RTC_UID_2882341273), Buffer.from([0])]);
    expect(() => decodeAccessToken2(repack(bytes))).toThrow(/trailing/);
  });

  it('refuses content that inflates to more than 64 KiB', () => {
    expect(() => decodeAccessToken2(repack(Buffer.alloc(65 * 1024)))).toThrow(AccessToken2FormatError);
  });
});

describe('verifyAccessToken2', () => {
  it('accepts the published vectors with their certificate', () => {
    expect(verifyAccessToken2(RTC_UID_2882341273, appCertificate)).toBe(true);
    expect(verifyAccessToken2(RTC_UID_0, appCertificate)).toBe(true);
    expect(verifyAccessToken2(RTC_AND_RTM, appCertificate)).toBe(true);
  });

  it('refuses another certificate', () => {
    expect(verifyAccessToken2(RTC_UID_2882341273, '5CFd2fd1755d40ecb72977518be15d3c')).toBe(false);
  });

  it('refuses a token whose signed fields were altered', () => {
    const bytes = Buffer.from(content(RTC_UID_2882341273));
    // signature: u16 length (32) + 32 bytes; then appId: u16 length + 32 bytes; issueTs; expire.
    const expireOffset = 2 + 32 + 2 + 32 + 4;
    expect(bytes.readUInt32LE(expireOffset)).toBe(600);
    bytes.writeUInt32LE(86400, expireOffset);
    const forged = repack(bytes);

    expect(decodeAccessToken2(forged).expire).toBe(86400);
    expect(verifyAccessToken2(forged, appCertificate)).toBe(false);
  });

  it('answers false, not an exception, for a malformed token', () => {
    expect(verifyAccessToken2('007garbage', appCertificate)).toBe(false);
  });
});
