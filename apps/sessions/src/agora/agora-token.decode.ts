import { createHmac, timingSafeEqual } from 'node:crypto';
import { inflateSync } from 'node:zlib';

/**
 * A reader for Agora's AccessToken2 ("007") format, written from the packing rules of
 * AgoraIO/Tools DynamicKey/AgoraDynamicKey/nodejs/src/AccessToken2.js, independent of the
 * `agora-token` package so tests can check what the package built:
 *
 *   token   = "007" + base64(zlib-deflate(content))
 *   content = bytes(signature) + signing_info
 *   signing_info = string(appId) + u32(issueTs) + u32(expire) + u32(salt) + u16(count) + service*
 *   service = u16(type) + map(privileges) + type-specific fields; RTC (type 1): string(channel) + string(uid)
 *   map     = u16(count) + (u16(key) + u32(value))*
 *   string / bytes = u16(length) + raw bytes; integers little-endian
 *
 * `expire` and every privilege value are seconds after `issueTs`, not timestamps.
 * uid 0 is packed as the empty string ("any user").
 */

export const ACCESS_TOKEN2_VERSION = '007';

export const RTC_SERVICE_TYPE = 1;

export const RTC_PRIVILEGE = {
  joinChannel: 1,
  publishAudioStream: 2,
  publishVideoStream: 3,
  publishDataStream: 4,
} as const;

export interface DecodedRtcService {
  readonly channelName: string;
  /** The numeric uid; 0 for an empty account ("any user"); null for a non-numeric account. */
  readonly uid: number | null;
  /** The uid field exactly as packed. */
  readonly account: string;
  /** Privilege → seconds after issueTs. */
  readonly privileges: Record<number, number>;
}

export interface DecodedAccessToken2 {
  readonly appId: string;
  /** Seconds since the epoch. */
  readonly issueTs: number;
  /** Seconds after issueTs. */
  readonly expire: number;
  readonly salt: number;
  /** The first RTC service of the token, if any. */
  readonly services: { readonly rtc?: DecodedRtcService };
  /** Service types in packing order, up to and including the first one this reader cannot skip. */
  readonly serviceTypes: readonly number[];
}

export class AccessToken2FormatError extends Error {
  constructor(message: string) {
    super(`AccessToken2: ${message}`);
    this.name = 'AccessToken2FormatError';
  }
}

// A real token inflates to a few hundred bytes; refuse anything that inflates to far more.
const MAX_CONTENT_BYTES = 64 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CANONICAL_UINT = /^(?:0|[1-9][0-9]*)$/;

class Reader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private take(length: number, what: string): Buffer {
    if (length > this.remaining) {
      throw new AccessToken2FormatError(`truncated while reading ${what} at byte ${this.offset}`);
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  u16(what: string): number {
    return this.take(2, what).readUInt16LE(0);
  }

  u32(what: string): number {
    return this.take(4, what).readUInt32LE(0);
  }

  bytesField(what: string): Buffer {
    return this.take(this.u16(`${what} length`), what);
  }

  string(what: string): string {
    const raw = this.bytesField(what);
    const text = raw.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(raw)) throw new AccessToken2FormatError(`${what} is not valid UTF-8`);
    return text;
  }

  privilegeMap(what: string): Record<number, number> {
    const count = this.u16(`${what} count`);
    const map: Record<number, number> = {};
    for (let i = 0; i < count; i += 1) {
      const key = this.u16(`${what} key`);
      map[key] = this.u32(`${what} value`);
    }
    return map;
  }
}

function inflate(token: string): Buffer {
  if (typeof token !== 'string' || !token.startsWith(ACCESS_TOKEN2_VERSION)) {
    throw new AccessToken2FormatError(`not a version ${ACCESS_TOKEN2_VERSION} token`);
  }
  const body = token.slice(ACCESS_TOKEN2_VERSION.length);
  if (body.length === 0 || !BASE64.test(body)) throw new AccessToken2FormatError('body is not base64');
  try {
    return inflateSync(Buffer.from(body, 'base64'), { maxOutputLength: MAX_CONTENT_BYTES });
  } catch (error) {
    throw new AccessToken2FormatError(`body does not inflate (${(error as Error).message})`);
  }
}

function uidOf(account: string): number | null {
  if (account === '') return 0;
  if (!CANONICAL_UINT.test(account)) return null;
  const uid = Number(account);
  return uid <= 0xffff_ffff ? uid : null;
}

interface Parsed {
  readonly decoded: DecodedAccessToken2;
  readonly signature: Buffer;
  readonly signingInfo: Buffer;
}

function parse(token: string): Parsed {
  const content = inflate(token);
  const reader = new Reader(content);
  const signature = reader.bytesField('signature');
  const signingInfo = content.subarray(reader.position);
  const appId = reader.string('appId');
  const issueTs = reader.u32('issueTs');
  const expire = reader.u32('expire');
  const salt = reader.u32('salt');
  const count = reader.u16('service count');

  const serviceTypes: number[] = [];
  let rtc: DecodedRtcService | undefined;
  let complete = true;
  for (let i = 0; i < count; i += 1) {
    const type = reader.u16('service type');
    serviceTypes.push(type);
    if (type !== RTC_SERVICE_TYPE) {
      // The layout after the privileges is type-specific and not length-prefixed, so a
      // service this reader does not model ends the walk (as in Agora's own parser).
      complete = false;
      break;
    }
    const privileges = reader.privilegeMap('RTC privileges');
    const channelName = reader.string('RTC channel name');
    const account = reader.string('RTC uid');
    rtc ??= { channelName, uid: uidOf(account), account, privileges };
  }
  if (complete && reader.remaining !== 0) {
    throw new AccessToken2FormatError(`${reader.remaining} unexpected trailing bytes`);
  }

  return {
    decoded: { appId, issueTs, expire, salt, services: rtc ? { rtc } : {}, serviceTypes },
    signature,
    signingInfo,
  };
}

/** Parses an AccessToken2; throws AccessToken2FormatError on anything that is not one. */
export function decodeAccessToken2(token: string): DecodedAccessToken2 {
  return parse(token).decoded;
}

const hmac = (key: Buffer | string, message: Buffer | string): Buffer =>
  createHmac('sha256', key).update(message).digest();

const u32le = (value: number): Buffer => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value, 0);
  return buffer;
};

/**
 * True when the token parses and was signed with `appCertificate`:
 *   key       = HMAC-SHA256(key: u32(salt), message: HMAC-SHA256(key: u32(issueTs), message: certificate))
 *   signature = HMAC-SHA256(key: key, message: signing_info)
 */
export function verifyAccessToken2(token: string, appCertificate: string): boolean {
  let parsed: Parsed;
  try {
    parsed = parse(token);
  } catch (error) {
    if (error instanceof AccessToken2FormatError) return false;
    throw error;
  }
  const { issueTs, salt } = parsed.decoded;
  const signingKey = hmac(u32le(salt), hmac(u32le(issueTs), appCertificate));
  const expected = hmac(signingKey, parsed.signingInfo);
  return expected.length === parsed.signature.length && timingSafeEqual(expected, parsed.signature);
}
