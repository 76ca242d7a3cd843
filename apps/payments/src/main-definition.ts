import type { ServiceMain } from '@tutorhub/service';
import { AppModule, paymentsService } from './app.module';
import { configSchema } from './config';

export const paymentsMain: ServiceMain<typeof configSchema> = {
  def: paymentsService,
  configSchema,
  module: (config) => AppModule.forRoot(config),
};
