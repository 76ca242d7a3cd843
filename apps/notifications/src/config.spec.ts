import { configIssues, loadConfig } from '@tutorhub/platform';
import { configSchema } from './config';

const load = (env: Record<string, string>) => loadConfig(configSchema, env);
const issues = (env: Record<string, string>) => configIssues(configSchema, env);

describe('notifications config', () => {
  it('starts with no channel configured but the inbox', () => {
    const c = load({});
    expect(c).toMatchObject({ PORT: 3004, DELIVERY_MAX_ATTEMPTS: 6, DELIVERY_RETRY_BASE_SECONDS: 30 });
    expect(c.SMTP_URL).toBeUndefined();
    expect(c.FCM_PROJECT_ID).toBeUndefined();
  });

  it('refuses half an FCM configuration, a bad service account and a non-SMTP mail URL', () => {
    expect(issues({ FCM_PROJECT_ID: 'p' })).toEqual(['FCM_SERVICE_ACCOUNT_JSON: FCM_PROJECT_ID and FCM_SERVICE_ACCOUNT_JSON must be set together']);
    expect(issues({ FCM_PROJECT_ID: 'p', FCM_SERVICE_ACCOUNT_JSON: '{nope' })).toEqual([
      'FCM_SERVICE_ACCOUNT_JSON: must be the JSON content of a service-account key',
    ]);
    expect(issues({ FCM_PROJECT_ID: 'p', FCM_SERVICE_ACCOUNT_JSON: '{"client_email":"a@b"}' })).toEqual([
      'FCM_SERVICE_ACCOUNT_JSON: service account JSON lacks client_email or private_key',
    ]);
    expect(issues({ SMTP_URL: 'http://mail' })).toEqual(['SMTP_URL: must be an smtp:// or smtps:// URL']);
    expect(issues({ DELIVERY_MAX_ATTEMPTS: '0' })).toHaveLength(1);
  });

  it('keeps read notifications longer than the inbox remembers event ids', () => {
    expect(load({})).toMatchObject({ NOTIFICATIONS_READ_RETENTION_DAYS: 90, INBOX_RETENTION_HOURS: 720 });
    expect(issues({ NOTIFICATIONS_READ_RETENTION_DAYS: '30' })).toEqual([
      'NOTIFICATIONS_READ_RETENTION_DAYS: must be longer than INBOX_RETENTION_HOURS (720 h), so a notification is never pruned while its event may still be handled',
    ]);
    expect(issues({ NOTIFICATIONS_READ_RETENTION_DAYS: '10', INBOX_RETENTION_HOURS: '168' })).toEqual([]);
  });
});
