import { configIssues, loadConfig } from '@tutorhub/platform';
import { configSchema } from './config';

const load = (env: Record<string, string>) => loadConfig(configSchema, env);
const issues = (env: Record<string, string>) => configIssues(configSchema, env);

describe('sessions config', () => {
  it('has the windows of docs/design.md §4 by default', () => {
    expect(load({})).toMatchObject({ SESSION_START_EARLY_MINUTES: 5, SESSION_START_LATE_MINUTES: 15, SESSION_OVERTIME_GRACE_MINUTES: 10 });
  });

  it('takes fractions of a minute (windows of seconds for local runs and tests)', () => {
    expect(load({ SESSION_START_LATE_MINUTES: '0.1', SESSION_OVERTIME_GRACE_MINUTES: '0.5' })).toMatchObject({
      SESSION_START_LATE_MINUTES: 0.1,
      SESSION_OVERTIME_GRACE_MINUTES: 0.5,
    });
  });

  it('refuses negative, non-numeric and over-a-day windows', () => {
    expect(issues({ SESSION_START_EARLY_MINUTES: '-1' })).toHaveLength(1);
    expect(issues({ SESSION_START_LATE_MINUTES: 'soon' })).toHaveLength(1);
    expect(issues({ SESSION_OVERTIME_GRACE_MINUTES: String(24 * 60 + 1) })).toHaveLength(1);
  });
});

describe('sessions config in production', () => {
  it('refuses the public development Agora App ID and certificate, missing or explicit', () => {
    expect(issues({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^AGORA_APP_ID: must be set in production/),
      expect.stringMatching(/^AGORA_APP_CERTIFICATE: must be set in production/),
    ]);
    expect(issues({ NODE_ENV: 'production', AGORA_APP_ID: 'a'.repeat(32), AGORA_APP_CERTIFICATE: 'fedcba9876543210fedcba9876543210' })).toEqual([
      expect.stringMatching(/^AGORA_APP_CERTIFICATE: /),
    ]);
    expect(issues({ NODE_ENV: 'production', AGORA_APP_ID: 'a'.repeat(32), AGORA_APP_CERTIFICATE: 'b'.repeat(32) })).toEqual([]);
  });
});
