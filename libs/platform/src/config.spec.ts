import { z } from 'zod';
import { ConfigError, configIssues, env, loadConfig, sharedConfigShape } from './config';

const schema = z.object({ ...sharedConfigShape, API_SECRET: env.devSecret('public-dev-secret'), OTHER: env.str('plain-default') });
const issues = (source: Record<string, string>) => configIssues(schema, source);

describe('development-only defaults (env.devSecret)', () => {
  it('are used outside production', () => {
    expect(loadConfig(schema, {}).API_SECRET).toBe('public-dev-secret');
    expect(loadConfig(schema, { NODE_ENV: 'test' }).API_SECRET).toBe('public-dev-secret');
  });

  it('are refused in production, missing or set to the default, naming the variable', () => {
    expect(issues({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^API_SECRET: must be set in production/)]);
    expect(issues({ NODE_ENV: 'production', API_SECRET: 'public-dev-secret' })).toEqual([expect.stringMatching(/^API_SECRET: /)]);
    expect(() => loadConfig(schema, { NODE_ENV: 'production' })).toThrow(ConfigError);
  });

  it('let production start with a real secret and leave plain defaults alone', () => {
    expect(loadConfig(schema, { NODE_ENV: 'production', API_SECRET: 'a-real-secret' })).toMatchObject({ API_SECRET: 'a-real-secret', OTHER: 'plain-default' });
  });

  it('keep the base schema’s own rules and survive refinements of the object', () => {
    const refined = z
      .object({ ...sharedConfigShape, KEY: env.devSecret('0123456789abcdef', z.string().min(16)) })
      .refine(() => true);
    expect(() => loadConfig(refined, { KEY: 'short' })).toThrow(/KEY/);
    expect(() => loadConfig(refined, { NODE_ENV: 'production' })).toThrow(/KEY: must be set in production/);
  });
});
