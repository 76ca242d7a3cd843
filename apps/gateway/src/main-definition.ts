import type { ServiceMain } from '@tutorhub/service';
import { AppModule, gatewayService } from './app.module';
import { configSchema } from './config';
import { configureGatewayHttp } from './http';

export const gatewayMain: ServiceMain<typeof configSchema> = {
  def: gatewayService,
  configSchema,
  module: (config) => AppModule.forRoot(config),
  configure: (app, config) => configureGatewayHttp(app, config),
};
