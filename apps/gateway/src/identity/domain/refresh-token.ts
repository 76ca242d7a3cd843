import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe. Opaque: it means nothing without the database row. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this digest is stored; a database leak does not yield usable tokens. */
export function refreshTokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
