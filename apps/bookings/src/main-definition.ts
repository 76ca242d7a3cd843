import type { ServiceMain } from '@tutorhub/service';
import { AppModule, bookingsService } from './app.module';
import { configSchema } from './config';

export const bookingsMain: ServiceMain<typeof configSchema> = {
  def: bookingsService,
  configSchema,
  module: (config) => AppModule.forRoot(config),
};
