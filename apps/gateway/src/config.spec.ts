import { configIssues, loadConfig } from '@tutorhub/platform';
import { configSchema, DEV_ADMIN_PASSWORD, DEV_JWT_SECRET } from './config';
import { trustProxySetting } from './http/configure-http';

const issues = (env: Record<string, string>) => configIssues(configSchema, env);

describe('gateway config', () => {
  it('refuses the development JWT secret and admin password in production, missing or explicit', () => {
    expect(issues({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^JWT_SECRET: must be set in production/),
      expect.stringMatching(/^ADMIN_PASSWORD: must be set in production/),
    ]);
    expect(issues({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET, ADMIN_PASSWORD: DEV_ADMIN_PASSWORD })).toHaveLength(2);
    expect(issues({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ADMIN_PASSWORD: 'a-real-admin-password' })).toEqual([]);
  });

  it('uses the development defaults outside production', () => {
    expect(loadConfig(configSchema, {})).toMatchObject({ JWT_SECRET: DEV_JWT_SECRET, ADMIN_PASSWORD: DEV_ADMIN_PASSWORD });
  });

  it('trusts no proxy by default, and only listed addresses or CIDRs otherwise', () => {
    expect(trustProxySetting(loadConfig(configSchema, {}).TRUST_PROXY)).toBe(false);
    expect(trustProxySetting(loadConfig(configSchema, { TRUST_PROXY: 'false' }).TRUST_PROXY)).toBe(false);
    expect(trustProxySetting(loadConfig(configSchema, { TRUST_PROXY: ' 10.0.0.0/8, 192.168.1.10 ,fd00::/8, loopback' }).TRUST_PROXY)).toEqual(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', 'loopback']);
    expect(trustProxySetting(loadConfig(configSchema, { TRUST_PROXY: '10.1.0.0/255.255.0.0' }).TRUST_PROXY)).toEqual(['10.1.0.0/255.255.0.0']);
  });

  it('refuses TRUST_PROXY values that would let a client choose its address', () => {
    for (const value of ['true', '1', '2', 'ingress', '10.0.0.0/33', '10.0.0.1/8/2', '*']) {
      expect(issues({ TRUST_PROXY: value })).toEqual([expect.stringMatching(/^TRUST_PROXY: .* is not an address/)]);
    }
  });

  it('throttles logins per account by default, with a bounded wait (ADR 0015)', () => {
    expect(loadConfig(configSchema, {})).toMatchObject({ LOGIN_BACKOFF_AFTER_FAILURES: 5, LOGIN_ACCOUNT_BACKOFF_AFTER_FAILURES: 20, LOGIN_BACKOFF_MAX_SECONDS: 900 });
    expect(issues({ LOGIN_BACKOFF_AFTER_FAILURES: '0' })).toEqual([expect.stringMatching(/^LOGIN_BACKOFF_AFTER_FAILURES: /)]);
    // A wait longer than a day would be a lockout in all but name.
    expect(issues({ LOGIN_BACKOFF_MAX_SECONDS: '86401' })).toEqual([expect.stringMatching(/^LOGIN_BACKOFF_MAX_SECONDS: /)]);
  });
});
