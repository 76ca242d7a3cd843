import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createLogger } from '@tutorhub/service/http-kit';
import { ConfigError, loadConfig } from './config';
import { createChapaSandboxApp } from './create-app';

// Failures before Nest has a logger are JSON lines too.
const startupLog = createLogger('chapa-sandbox');

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      startupLog.fatal(err.message);
      process.exit(1);
    }
    throw err;
  }
  const app = await createChapaSandboxApp(config);
  await app.listen(config.port, '0.0.0.0');
  new Logger('ChapaSandbox').log(
    `Chapa sandbox on :${config.port} — checkout at ${config.publicBaseUrl}, webhooks to ${config.webhookUrl}`,
  );
}

main().catch((err: unknown) => {
  startupLog.fatal({ err }, 'the Chapa sandbox could not start');
  process.exit(1);
});
