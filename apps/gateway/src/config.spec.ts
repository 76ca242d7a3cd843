import { ConfigError, loadConfig } from '@tutorhub/platform';
import { configSchema, DEV_ADMIN_PASSWORD, DEV_JWT_SECRET } from './config';

const issues = (env: Record<string, string>) => {
  try {
    loadConfig(configSchema, env);
    return [];
  } catch (err) {
    return (err as ConfigError).issues;
  }
};

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
});
