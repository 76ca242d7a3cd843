import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. Memory per hash is 128 · N · r bytes (2^16, r=8: 64 MiB). */
  logN: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 128 * N * params.r * (params.p + 1) + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * scrypt (memory-hard, from node:crypto) with a random 16-byte salt per password. The stored
 * string carries its parameters — `scrypt$<logN>$<r>$<p>$<salt b64>$<hash b64>` — so the cost
 * can be raised later: old hashes still verify and `needsRehash` says when to upgrade.
 */
export class PasswordHasher {
  private dummy?: Promise<string>;

  constructor(private readonly params: ScryptParams) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(password, salt, this.params);
    const { logN, r, p } = this.params;
    return ['scrypt', logN, r, p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  /** Constant-time comparison; a malformed stored hash never matches. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
    const [logN, r, p] = parts.slice(1, 4).map(Number);
    if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 22) return false;
    const salt = Buffer.from(parts[4], 'base64');
    const expected = Buffer.from(parts[5], 'base64');
    if (expected.length !== KEY_LENGTH) return false;
    const actual = await derive(password, salt, { logN, r, p });
    return timingSafeEqual(actual, expected);
  }

  /**
   * Spends the same work as a real check, for an unknown email: the answer time must not tell
   * whether an account exists.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(password, await this.dummy);
    return false;
  }

  needsRehash(stored: string): boolean {
    const [, logN, r, p] = stored.split('$').map(Number);
    return logN !== this.params.logN || r !== this.params.r || p !== this.params.p;
  }
}
