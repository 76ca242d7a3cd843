import { ConfigError, loadConfig } from '@tutorhub/platform';
import { configSchema as bookings } from '../../apps/bookings/src/config';
import { configSchema as gateway } from '../../apps/gateway/src/config';
import { configSchema as notifications } from '../../apps/notifications/src/config';
import { configSchema as payments } from '../../apps/payments/src/config';
import { configSchema as sessions } from '../../apps/sessions/src/config';

/**
 * Starts nothing: loads every service's configuration as production would, to prove that no
 * service runs on a development (public) secret and that each starts once real ones are set.
 */
const services = { gateway, bookings, sessions, payments, notifications };

/** The secrets each service must be given in production (none may fall back to a default). */
const realSecrets: Record<keyof typeof services, Record<string, string>> = {
  gateway: { JWT_SECRET: 'a-production-jwt-secret-of-at-least-32-chars', ADMIN_PASSWORD: 'a-production-admin-password' },
  bookings: {},
  sessions: { AGORA_APP_ID: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', AGORA_APP_CERTIFICATE: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' },
  payments: { CHAPA_SECRET_KEY: 'CHASECK-production-key', CHAPA_WEBHOOK_SECRET: 'production-webhook-secret' },
  notifications: {},
};

const issuesOf = (name: keyof typeof services, source: Record<string, string>): string[] => {
  try {
    loadConfig(services[name], source);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues;
  }
};

describe('production configuration of every service', () => {
  for (const name of Object.keys(services) as (keyof typeof services)[]) {
    const secrets = Object.keys(realSecrets[name]);

    it(`${name}: refuses every missing secret in production, each by name`, () => {
      expect(issuesOf(name, { NODE_ENV: 'production' }).map((i) => i.split(':')[0]).sort()).toEqual([...secrets].sort());
    });

    it(`${name}: starts in production with real secrets, and in development without any`, () => {
      expect(issuesOf(name, { NODE_ENV: 'production', ...realSecrets[name] })).toEqual([]);
      expect(issuesOf(name, { NODE_ENV: 'development' })).toEqual([]);
    });

    it(`${name}: refuses each development default given explicitly in production`, () => {
      const devDefaults = loadConfig(services[name], { NODE_ENV: 'development' }) as Record<string, unknown>;
      for (const key of secrets) {
        const source = { NODE_ENV: 'production', ...realSecrets[name], [key]: String(devDefaults[key]) };
        expect(issuesOf(name, source)).toEqual([expect.stringMatching(new RegExp(`^${key}: must be set in production`))]);
      }
    });
  }
});
