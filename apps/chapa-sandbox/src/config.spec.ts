import { ConfigError, configSchema, loadConfig } from './config';

describe('chapa-sandbox config', () => {
  it('has development defaults that work with no environment at all', () => {
    expect(loadConfig({})).toEqual({
      port: 3099,
      secretKey: 'CHASECK_TEST-tutorhub-dev',
      webhookSecret: 'tutorhub-dev-webhook-secret',
      webhookUrl: 'http://127.0.0.1:3000/api/webhooks/chapa',
      publicBaseUrl: 'http://127.0.0.1:3099',
      logLevel: 'info',
    });
  });

  it('reads every variable, and derives the public base from PORT when it is not given', () => {
    expect(
      loadConfig({
        PORT: '4000',
        CHAPA_SECRET_KEY: 'CHASECK-live-like-key',
        CHAPA_WEBHOOK_SECRET: 'another-secret',
        CHAPA_WEBHOOK_URL: 'https://gateway.example/api/webhooks/chapa',
      }),
    ).toMatchObject({ port: 4000, publicBaseUrl: 'http://127.0.0.1:4000', webhookUrl: 'https://gateway.example/api/webhooks/chapa' });
    // The gateway's PUBLIC_BASE_URL in a shared environment is not the sandbox's address.
    expect(loadConfig({ PORT: '4000', PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).publicBaseUrl).toBe('http://127.0.0.1:4000');
    expect(loadConfig({ PUBLIC_BASE_URL: 'http://gateway.example', CHAPA_SANDBOX_PUBLIC_URL: 'https://pay.example/' }).publicBaseUrl).toBe('https://pay.example');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', CHAPA_WEBHOOK_URL: '  ' })).toMatchObject({ port: 3099, webhookUrl: 'http://127.0.0.1:3000/api/webhooks/chapa' });
  });

  it('names every bad variable in one clear error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', CHAPA_WEBHOOK_URL: 'ftp://x', CHAPA_SECRET_KEY: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid chapa-sandbox configuration:/);
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/CHAPA_WEBHOOK_URL: must be an http\(s\) URL/);
    expect(message).toMatch(/CHAPA_SECRET_KEY: must be at least 8 characters/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('exports the zod object schema', () => {
    expect(Object.keys(configSchema.shape).sort()).toEqual([
      'CHAPA_SANDBOX_PUBLIC_URL',
      'CHAPA_SECRET_KEY',
      'CHAPA_WEBHOOK_SECRET',
      'CHAPA_WEBHOOK_URL',
      'LOG_LEVEL',
      'PORT',
    ]);
  });
});
