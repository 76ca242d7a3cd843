import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule, type ServiceDefinition, type ServiceKitOptions } from '@tutorhub/service';
import type { GatewayConfig } from './config';
import { GatewayHttpModule } from './http';
import { IdentityModule } from './identity';
import { migrations } from './migrations';
import { ROUTE_CONTROLLERS } from './routes';

export const gatewayService: ServiceDefinition = {
  service: 'gateway',
  schema: 'identity',
  entities: [],
  migrations,
};

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, opts: ServiceKitOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forService(gatewayService, config, opts), GatewayHttpModule, IdentityModule],
      controllers: [...ROUTE_CONTROLLERS],
    };
  }
}
