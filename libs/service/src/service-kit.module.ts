import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { EntitySchema, MixedList } from 'typeorm';
import { MessagingModule, deliveryChaosSettings } from '@tutorhub/messaging';
import { dataSourceOptions } from '@tutorhub/persistence';
import { Clock, SystemClock, brokerUrls, maxEventAgeMs, type SharedConfig } from '@tutorhub/platform';
import { HealthController } from './health.controller';
import { JobRunner } from './job-runner';
import { ROOT_LOGGER, createLogger, nestPinoParams } from './logging';
import { MessagingRetentionJob } from './messaging-retention.job';
import { MetricsController } from './metrics.controller';
import { ProblemFilter } from './problem.filter';
import { TelemetryShutdown } from './telemetry';
import { CONFIG, SERVICE_SCHEMA } from './tokens';

export interface ServiceDefinition {
  /** Service name: queue names, logs, metrics. */
  service: string;
  /** The Postgres schema the service owns. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own entity list type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own migration list type
  migrations: MixedList<Function | string>;
}

export type ServiceConfig = SharedConfig & { PORT: number; JOBS_ENABLED?: boolean; RPC_TIMEOUT_MS?: number };

export interface ServiceKitOptions {
  clock?: Clock;
  /** Tests drive the outbox relay by hand when they need determinism. */
  relay?: boolean;
  extraControllers?: Type[];
  /** Where the JSON log lines go (stdout by default); tests pass a stream to read them back. */
  logDestination?: DestinationStream;
}

/**
 * Everything a tutorhub service needs besides its domain: validated config, JSON logs with
 * correlation ids, its DataSource, the messaging backbone, health, metrics, scheduler, and
 * problem+json errors. An app module imports this once and adds its own feature module.
 */
@Module({})
export class ServiceKitModule {
  static forService(def: ServiceDefinition, config: ServiceConfig, opts: ServiceKitOptions = {}): DynamicModule {
    // Logger options live in logging.ts; the request id, access line and HTTP metrics in http-observability.ts.
    const logger = createLogger(def.service, config.LOG_LEVEL, opts.logDestination);
    return {
      module: ServiceKitModule,
      global: true,
      imports: [
        LoggerModule.forRoot(nestPinoParams(logger)),
        TypeOrmModule.forRoot(
          dataSourceOptions({
            url: config.DATABASE_URL,
            schema: def.schema,
            entities: def.entities,
            migrations: def.migrations,
            poolSize: config.DATABASE_POOL_SIZE,
            applicationName: def.service,
          }),
        ),
        MessagingModule.forService({
          service: def.service,
          schema: def.schema,
          amqpUrl: brokerUrls(config),
          databaseUrl: config.DATABASE_URL,
          namespace: config.AMQP_NAMESPACE,
          prefetch: config.AMQP_PREFETCH,
          batchSize: config.EVENT_BATCH_SIZE,
          eventPrefetch: config.EVENT_PREFETCH,
          relayCoalesceMs: config.OUTBOX_RELAY_COALESCE_MS,
          relayBatchSize: config.OUTBOX_RELAY_BATCH_SIZE,
          rpcTimeoutMs: config.RPC_TIMEOUT_MS,
          shutdownTimeoutMs: Math.max(1000, config.SHUTDOWN_TIMEOUT_MS - 2000),
          relay: opts.relay,
          maxEventAgeMs: maxEventAgeMs(config),
          deliveryChaos: deliveryChaosSettings(config, config.AMQP_PREFETCH),
        }),
        TerminusModule,
        ScheduleModule.forRoot(),
      ],
      controllers: [HealthController, MetricsController, ...(opts.extraControllers ?? [])],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: SERVICE_SCHEMA, useValue: def.schema },
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: Clock, useValue: opts.clock ?? new SystemClock() },
        { provide: APP_FILTER, useClass: ProblemFilter },
        JobRunner,
        MessagingRetentionJob,
        TelemetryShutdown,
      ],
      exports: [CONFIG, Clock, JobRunner, MessagingRetentionJob, ROOT_LOGGER],
    };
  }
}
