import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule, type ServiceDefinition, type ServiceKitOptions } from '@tutorhub/service';
import type { NotificationsConfig } from './config';
import { migrations } from './migrations';
import { NotificationsModule } from './notifications.module';

export const notificationsService: ServiceDefinition = {
  service: 'notifications',
  schema: 'notifications',
  entities: [],
  migrations,
};

@Module({})
export class AppModule {
  static forRoot(config: NotificationsConfig, opts: ServiceKitOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forService(notificationsService, config, opts), NotificationsModule],
    };
  }
}
