import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoRoot } from 'pino';
import type { z } from 'zod';
import { migrate } from '@tutorhub/persistence';
import { ConfigError, loadConfig, shouldMigrateOnStart } from '@tutorhub/platform';
import { runDlqCommand } from './dlq-command';
import { httpObservability } from './http-observability';
import { ROOT_LOGGER, createLogger } from './logging';
import type { ServiceConfig, ServiceDefinition } from './service-kit.module';
import { startTelemetry } from './telemetry';

export interface ServiceMain<S extends z.ZodTypeAny> {
  def: ServiceDefinition;
  configSchema: S;
  /** Builds the root module from the validated config. */
  module: (config: z.output<S>) => DynamicModule | Type;
  /** App-level HTTP setup beyond the defaults (gateway: helmet, body limits, OpenAPI…). */
  configure?: (app: NestExpressApplication, config: z.output<S>) => void | Promise<void>;
}

export async function createServiceApp<S extends z.ZodTypeAny>(
  main: ServiceMain<S>,
  config: z.output<S>,
  moduleOverride?: DynamicModule | Type,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(moduleOverride ?? main.module(config), {
    bufferLogs: true,
    rawBody: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  // First in the stack, so that every response (even a refusal by the gateway's own middleware)
  // carries X-Request-Id and is counted; see http-observability.ts.
  app.use(httpObservability(app.get<PinoRoot>(ROOT_LOGGER, { strict: false })));
  await main.configure?.(app, config);
  return app;
}

/**
 * The entry point of every service: `node main.js` serves, `node main.js migrate` migrates and
 * exits (the Kubernetes Job and the compose migration step run that), `node main.js dlq …`
 * inspects or replays its dead-letter queue (dlq-command.ts). Invalid configuration
 * stops the process with a readable list of what is wrong.
 */
export async function runService<S extends z.ZodTypeAny>(main: ServiceMain<S>): Promise<INestApplication | undefined> {
  let config: z.output<S> & ServiceConfig;
  try {
    config = loadConfig(main.configSchema) as z.output<S> & ServiceConfig;
  } catch (err) {
    if (err instanceof ConfigError) {
      createLogger(main.def.service).fatal(`${main.def.service}: ${err.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  // JSON lines like the running service's, for `migrate` (a Kubernetes Job) as much as for serving.
  const log = createLogger(main.def.service, config.LOG_LEVEL);
  const persistence = {
    url: config.DATABASE_URL,
    schema: main.def.schema,
    entities: main.def.entities,
    migrations: main.def.migrations,
  };
  if (process.argv[2] === 'dlq') {
    process.exit(await runDlqCommand(main.def.service, { url: config.AMQP_URL, namespace: config.AMQP_NAMESPACE }, process.argv.slice(3)));
  }
  if (process.argv[2] === 'migrate') {
    try {
      const ran = await migrate(persistence, (m) => log.info(m));
      log.info(`migrations done (${ran.length} applied)`);
    } catch (err) {
      log.fatal({ err }, 'migrations failed');
      process.exit(1);
    }
    process.exit(0);
  }
  // Before Nest creates anything, so that HTTP, Postgres and fetch are instrumented (OTEL_*).
  if (startTelemetry(main.def.service)) log.info('tracing on (OTEL_EXPORTER_OTLP_ENDPOINT)');
  if (shouldMigrateOnStart(config)) await migrate(persistence, (m) => log.info(m));

  const app = await createServiceApp(main, config);
  // A shutdown that hangs (a stuck connection) must not block a rolling update forever.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS).unref());
  }
  await app.listen(config.PORT, process.env.HOST ?? '0.0.0.0');
  log.info(`${main.def.service} listening on :${config.PORT}`);
  return app;
}
