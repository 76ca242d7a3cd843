import type { ServiceMain } from '@tutorhub/service';
import { AppModule, gatewayService } from './app.module';
import { configSchema } from './config';

export const gatewayMain: ServiceMain<typeof configSchema> = {
  def: gatewayService,
  configSchema,
  module: (config) => AppModule.forRoot(config),
};
