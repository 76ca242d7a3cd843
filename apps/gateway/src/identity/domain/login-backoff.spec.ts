import { accountClientKey, accountKey, backoffMs } from './login-backoff';

describe('login backoff', () => {
  it('is nothing below the threshold, then 1 s doubling per failure, capped', () => {
    expect([1, 4].map((n) => backoffMs(n, 5, 900))).toEqual([0, 0]);
    expect([5, 6, 7, 14, 15, 16].map((n) => backoffMs(n, 5, 900))).toEqual([1000, 2000, 4000, 512_000, 900_000, 900_000]);
  });

  it('stays bounded however many failures pile up (no lockout, no overflow)', () => {
    expect(backoffMs(1_000_000, 5, 900)).toBe(900_000);
    expect(backoffMs(20, 20, 1)).toBe(1000);
  });

  it('keys the account and each (account, address) pair apart, without the email in clear', () => {
    const a = accountKey('amina@example.com');
    expect(a.toString('latin1')).not.toContain('amina');
    expect(accountClientKey('amina@example.com', '203.0.113.1').equals(accountClientKey('amina@example.com', '203.0.113.2'))).toBe(false);
    expect(accountClientKey('amina@example.com', '203.0.113.1').equals(a)).toBe(false);
  });
});
