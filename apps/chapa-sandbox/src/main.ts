import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config';
import { createChapaSandboxApp } from './create-app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
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
  console.error(err);
  process.exit(1);
});
