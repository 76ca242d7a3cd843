import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { assertTestDatabaseUrl, testDatabaseUrl } from './test-env';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database per test file, on the server of TEST_DATABASE_URL, named after it
 * (so it also says "test"). Dropped at the end; a crashed run leaves only a `*_test_*` database.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = new URL(testDatabaseUrl());
  const baseName = base.pathname.replace(/^\//, '') || 'test';
  const name = `${baseName}_${randomBytes(5).toString('hex')}`.toLowerCase();
  const admin = new Client({ connectionString: base.toString() });
  admin.on('error', () => undefined); // a cut connection is reported by the pending query; unhandled, the event would end the run
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  assertTestDatabaseUrl(url.toString());
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new Client({ connectionString: base.toString() });
      c.on('error', () => undefined); // a cut connection is reported by the pending query; unhandled, the event would end the run
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A random broker namespace, so queues and exchanges of this test never meet another run's. */
export function testNamespace(prefix = 't'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}
