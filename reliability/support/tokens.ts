import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt } from 'jose';
import { JWT } from './cluster';

/** Hostile access tokens, minted with `jose` against the secret, issuer and audience the platform runs with. */

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

interface Claims {
  sub: string;
  role: string;
}

async function sign(claims: Claims, o: { secret?: string; iss?: string; aud?: string; expSeconds?: number; iatSeconds?: number; alg?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(o.iss ?? JWT.issuer)
    .setAudience(o.aud ?? JWT.audience)
    .setJti(randomUUID())
    .setIssuedAt(o.iatSeconds ?? now)
    .setExpirationTime(o.expSeconds ?? now + 600)
    .sign(new TextEncoder().encode(o.secret ?? JWT.secret));
}

/** A correctly signed token for any subject and role: what a holder of the secret could make. */
export function validToken(sub: string, role: string): Promise<string> {
  return sign({ sub, role });
}

export interface HostileToken {
  name: string;
  token: string;
  /** The 401 problem code the gateway must answer with. */
  code: 'auth.token_invalid' | 'auth.token_expired';
}

/**
 * Variants of a real user's token that must all be refused with 401: expired, signed with another
 * key, `alg: none`, payload tampered (role raised to admin, subject changed) with the original
 * signature, wrong issuer or audience, an `RS256` header over an HMAC signature, garbage.
 */
export async function hostileTokens(real: string): Promise<HostileToken[]> {
  const claims = decodeJwt(real) as { sub: string; role: string };
  const [header, payload, signature] = real.split('.');
  const now = Math.floor(Date.now() / 1000);
  // Raise the role (or, for an admin's own token, change it): the payload must really differ.
  const tamperedPayload = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: claims.role === 'admin' ? 'student' : 'admin' };
  const otherSubject = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: randomUUID() };
  const noneHeader = b64url({ alg: 'none', typ: 'JWT' });
  const adminClaims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin', exp: now + 3600 };
  return [
    { name: 'expired', token: await sign(claims, { expSeconds: now - 120, iatSeconds: now - 1000 }), code: 'auth.token_expired' },
    { name: 'signed with another secret', token: await sign({ ...claims, role: 'admin' }, { secret: 'an-attacker-chosen-secret-of-at-least-32-chars' }), code: 'auth.token_invalid' },
    { name: 'alg none (admin)', token: `${noneHeader}.${b64url(adminClaims)}.`, code: 'auth.token_invalid' },
    { name: 'alg none, signature kept', token: `${noneHeader}.${payload}.${signature}`, code: 'auth.token_invalid' },
    { name: 'payload tampered (role changed)', token: `${header}.${b64url(tamperedPayload)}.${signature}`, code: 'auth.token_invalid' },
    { name: 'subject swapped', token: `${header}.${b64url(otherSubject)}.${signature}`, code: 'auth.token_invalid' },
    { name: 'RS256 header over an HMAC signature', token: `${b64url({ alg: 'RS256', typ: 'JWT' })}.${payload}.${signature}`, code: 'auth.token_invalid' },
    { name: 'wrong issuer', token: await sign(claims, { iss: 'someone-else' }), code: 'auth.token_invalid' },
    { name: 'wrong audience', token: await sign(claims, { aud: 'another-app' }), code: 'auth.token_invalid' },
    { name: 'signature stripped', token: `${header}.${payload}.`, code: 'auth.token_invalid' },
    { name: 'unknown role', token: await sign({ ...claims, role: 'superuser' }), code: 'auth.token_invalid' },
    { name: 'not a JWT', token: 'abc.def.ghi', code: 'auth.token_invalid' },
  ];
}
