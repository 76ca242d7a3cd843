import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger, nestLoggerFor } from '@tutorhub/service/http-kit';
import type { SandboxConfig } from './config';
import { ChapaSandboxModule } from './sandbox.module';

export interface CreateSandboxOptions {
  /** Nest logger; `false` silences it (tests). Default: JSON lines on stdout, like the services'. */
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Builds the sandbox without listening, so callers choose the port (`app.listen(0)` in
 * tests). `rawBody: true` keeps `req.rawBody` available to anything that verifies
 * signatures; the body parsers accept JSON and form-encoded bodies (with `a[b]=c` nesting,
 * as Chapa's own form examples use).
 */
export async function createChapaSandboxApp(
  config: SandboxConfig,
  options: CreateSandboxOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ChapaSandboxModule.forRoot(config), {
    rawBody: true,
    logger: options.logger ?? nestLoggerFor(createLogger('chapa-sandbox', config.logLevel)),
  });
  app.enableShutdownHooks();
  return app;
}
