import type { ServiceMain } from '@tutorhub/service';
import { AppModule, sessionsService } from './app.module';
import { configSchema } from './config';

export const sessionsMain: ServiceMain<typeof configSchema> = {
  def: sessionsService,
  configSchema,
  module: (config) => AppModule.forRoot(config),
};
