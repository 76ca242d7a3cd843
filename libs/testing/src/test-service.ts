import type { DynamicModule, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { z } from 'zod';
import { migrate } from '@tutorhub/persistence';
import { loadConfig } from '@tutorhub/platform';
import { createServiceApp, type ServiceMain } from '@tutorhub/service';
import { createTestDatabase, testNamespace, type TestDatabase } from './test-database';
import { deleteNamespace } from './broker';
import { testAmqpUrl } from './test-env';

export interface TestService<C> {
  app: NestExpressApplication;
  config: C;
  baseUrl: string;
  db: TestDatabase;
  namespace: string;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  /** Share a database / namespace with other services of the same test. */
  db?: TestDatabase;
  namespace?: string;
  env?: Record<string, string>;
  /** Replace the root module (e.g. to inject a ManualClock). */
  module?: (config: unknown) => DynamicModule | Type;
  services?: string[];
  /** The broker (defaults to TEST_AMQP_URL), e.g. a private one a fault test starts and breaks. */
  amqpUrl?: string;
}

/**
 * Boots one real service for an integration test: fresh database (migrated like production),
 * a private broker namespace, jobs off (tests run job passes by hand), HTTP on an ephemeral port.
 */
export async function startTestService<S extends z.ZodTypeAny>(main: ServiceMain<S>, opts: TestServiceOptions = {}): Promise<TestService<z.output<S>>> {
  const db = opts.db ?? (await createTestDatabase());
  const namespace = opts.namespace ?? testNamespace();
  const config = loadConfig(main.configSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    AMQP_URL: opts.amqpUrl ?? testAmqpUrl(),
    AMQP_NAMESPACE: namespace,
    JOBS_ENABLED: 'false',
    MIGRATE_ON_START: 'false',
    PORT: '0',
    ...opts.env,
  });
  await migrate({ url: db.url, schema: main.def.schema, entities: main.def.entities, migrations: main.def.migrations });
  const app = await createServiceApp(main, config, opts.module?.(config));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    db,
    namespace,
    baseUrl: `http://127.0.0.1:${address.port}`,
    async close() {
      await app.close();
      if (!opts.namespace) await deleteNamespace(namespace, opts.services ?? [main.def.service], opts.amqpUrl ?? testAmqpUrl());
      if (!opts.db) await db.drop();
    },
  };
}
