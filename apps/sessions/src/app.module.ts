import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule, type ServiceDefinition, type ServiceKitOptions } from '@tutorhub/service';
import type { SessionsConfig } from './config';
import { migrations } from './migrations';
import { SessionsModule } from './sessions.module';

export const sessionsService: ServiceDefinition = {
  service: 'sessions',
  schema: 'sessions',
  entities: [],
  migrations,
};

@Module({})
export class AppModule {
  /** `opts.clock` lets tests move time (ManualClock); production uses the system clock. */
  static forRoot(config: SessionsConfig, opts: ServiceKitOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forService(sessionsService, config, opts), SessionsModule],
    };
  }
}
