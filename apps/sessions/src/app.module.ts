import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule, type ServiceDefinition, type ServiceKitOptions } from '@tutorhub/service';
import type { SessionsConfig } from './config';
import { migrations } from './migrations';

export const sessionsService: ServiceDefinition = {
  service: 'sessions',
  schema: 'sessions',
  entities: [],
  migrations,
};

@Module({})
export class AppModule {
  static forRoot(config: SessionsConfig, opts: ServiceKitOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forService(sessionsService, config, opts)],
    };
  }
}
