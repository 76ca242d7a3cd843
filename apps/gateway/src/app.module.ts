import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule, type ServiceDefinition, type ServiceKitOptions } from '@tutorhub/service';
import type { GatewayConfig } from './config';
import { ApiIndexController, GatewayHttpModule } from './http';
import { IdentityModule } from './identity';
import { migrations } from './migrations';
import { ROUTE_CONTROLLERS } from './routes';
import { NotificationStreamController, NotificationsStreamModule } from './notifications-stream';
import { ChapaController } from './webhooks/chapa.controller';
import { CheckoutReturnController } from './webhooks/checkout-return.controller';

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
      imports: [ServiceKitModule.forService(gatewayService, config, opts), GatewayHttpModule, IdentityModule, NotificationsStreamModule],
      // Gateway-owned routes first: they must win over a domain's parameterised path.
      controllers: [ApiIndexController, ChapaController, CheckoutReturnController, NotificationStreamController, ...ROUTE_CONTROLLERS],
    };
  }
}
