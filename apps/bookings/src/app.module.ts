import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule, type ServiceDefinition, type ServiceKitOptions } from '@tutorhub/service';
import { BookingsModule } from './bookings.module';
import type { BookingsConfig } from './config';
import { migrations } from './migrations';

export const bookingsService: ServiceDefinition = {
  service: 'bookings',
  schema: 'bookings',
  entities: [],
  migrations,
};

@Module({})
export class AppModule {
  static forRoot(config: BookingsConfig, opts: ServiceKitOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forService(bookingsService, config, opts), BookingsModule],
    };
  }
}
