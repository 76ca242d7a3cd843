import type { ServiceMain } from '@tutorhub/service';
import { AppModule, notificationsService } from './app.module';
import { configSchema } from './config';

export const notificationsMain: ServiceMain<typeof configSchema> = {
  def: notificationsService,
  configSchema,
  module: (config) => AppModule.forRoot(config),
};
