import { configIssues, loadConfig } from '@tutorhub/platform';
import { configSchema } from './config';

const issues = (env: Record<string, string>) => configIssues(configSchema, env);

describe('payments config', () => {
  it('uses the sandbox’s public Chapa secrets in development', () => {
    expect(loadConfig(configSchema, {})).toMatchObject({ CHAPA_SECRET_KEY: 'CHASECK_TEST-tutorhub-dev', CHAPA_WEBHOOK_SECRET: 'tutorhub-dev-webhook-secret' });
  });

  it('refuses the development Chapa secrets in production, missing or explicit', () => {
    expect(issues({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^CHAPA_SECRET_KEY: must be set in production/),
      expect.stringMatching(/^CHAPA_WEBHOOK_SECRET: must be set in production/),
    ]);
    expect(issues({ NODE_ENV: 'production', CHAPA_SECRET_KEY: 'CHASECK-live', CHAPA_WEBHOOK_SECRET: 'tutorhub-dev-webhook-secret' })).toEqual([
      expect.stringMatching(/^CHAPA_WEBHOOK_SECRET: /),
    ]);
    expect(issues({ NODE_ENV: 'production', CHAPA_SECRET_KEY: 'CHASECK-live', CHAPA_WEBHOOK_SECRET: 'live-webhook-secret' })).toEqual([]);
  });
});
