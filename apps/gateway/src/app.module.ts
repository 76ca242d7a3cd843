import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule, type ServiceDefinition, type ServiceKitOptions } from '@tutorhub/service';
import type { GatewayConfig } from './config';
import { migrations } from './migrations';

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
      imports: [ServiceKitModule.forService(gatewayService, config, opts)],
    };
  }
}
