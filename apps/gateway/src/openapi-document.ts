import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { loadConfig } from '@tutorhub/platform';
import { AppModule } from './app.module';
import { configSchema } from './config';
import { applyGlobalPrefix, COMMITTED_OPENAPI_PATH } from './http';
import { buildOpenApiDocument } from './http/openapi';

/** The committed copy the gateway serves, kept in sync by apps/gateway/test/openapi.int-spec.ts. */
export { COMMITTED_OPENAPI_PATH };

/**
 * The OpenAPI document the routes describe, which the running gateway serves (its committed
 * copy) at /docs/openapi.json, built without a database or broker (Nest preview mode: modules
 * are scanned, nothing is started). Loads @nestjs/swagger: for `npm run openapi:generate` and
 * the tests only.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig(configSchema, {});
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { preview: true, logger: false, abortOnError: false });
  try {
    applyGlobalPrefix(app);
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

export function serialiseOpenApi(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** `npm run openapi:generate` */
export async function writeCommittedOpenApi(path = COMMITTED_OPENAPI_PATH): Promise<void> {
  writeFileSync(path, serialiseOpenApi(await generateOpenApiDocument()));
}
