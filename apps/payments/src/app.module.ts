import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule, type ServiceDefinition, type ServiceKitOptions } from '@tutorhub/service';
import type { PaymentsConfig } from './config';
import { migrations } from './migrations';
import { PaymentsModule } from './payments.module';

export const paymentsService: ServiceDefinition = {
  service: 'payments',
  schema: 'payments',
  entities: [],
  migrations,
};

@Module({})
export class AppModule {
  static forRoot(config: PaymentsConfig, opts: ServiceKitOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forService(paymentsService, config, opts), PaymentsModule],
    };
  }
}
