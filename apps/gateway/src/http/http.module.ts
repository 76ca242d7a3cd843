import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { AccessTokenService } from './access-token.service';
import { AllowedMethods } from './allowed-methods';
import { AuthGuard } from './auth.guard';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency.store';
import { CostClassInterceptor, LoadShedding } from './load-shedding';
import { NoBodyInterceptor } from './no-body.interceptor';
import { GatewayThrottlerGuard, throttlerOptions } from './throttling';

/**
 * The gateway's HTTP core: access tokens, the global guards, the no-body, idempotency and
 * cost-class (password work) interceptors, the allowed-methods map (405) and load shedding.
 * APP_GUARD providers run in the order listed: authentication first, so that the global rate
 * limit can count per user.
 */
@Global()
@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [CONFIG], useFactory: (config: GatewayConfig) => throttlerOptions(config) })],
  providers: [
    AccessTokenService,
    AllowedMethods,
    IdempotencyStore,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: GatewayThrottlerGuard },
    // Before idempotency: a refused body is never recorded as an answer.
    { provide: APP_INTERCEPTOR, useClass: NoBodyInterceptor },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
    // Innermost: a replayed answer takes no slot, and a shed request (503) is never stored.
    LoadShedding,
    { provide: APP_INTERCEPTOR, useClass: CostClassInterceptor },
  ],
  exports: [AccessTokenService, AllowedMethods, IdempotencyStore, LoadShedding],
})
export class GatewayHttpModule {}
