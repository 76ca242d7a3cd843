import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MetricsController } from '@tutorhub/service/http-kit';
import type { SandboxConfig } from './config';
import { SandboxStore } from './domain/sandbox-store';
import { BanksController } from './http/banks.controller';
import { ChapaAuthGuard } from './http/chapa-auth.guard';
import { ChapaExceptionFilter } from './http/chapa-exception.filter';
import { LandingController } from './http/landing.controller';
import { CheckoutController } from './http/checkout.controller';
import { HealthController } from './http/health.controller';
import { RefundsController } from './http/refunds.controller';
import { ScenariosController } from './http/scenarios.controller';
import { TransactionsController } from './http/transactions.controller';
import { TransfersController } from './http/transfers.controller';
import { OutboundNotifier } from './notify/outbound-notifier';
import { SANDBOX_CONFIG } from './sandbox.tokens';

/**
 * The whole sandbox as one module. Shared platform pieces (metrics, richer health checks)
 * can be added by importing this module into a bigger one or by adding to `imports`.
 */
@Module({})
export class ChapaSandboxModule {
  static forRoot(config: SandboxConfig, extra: Pick<DynamicModule, 'imports' | 'controllers' | 'providers'> = {}): DynamicModule {
    return {
      module: ChapaSandboxModule,
      imports: [...(extra.imports ?? [])],
      controllers: [
        TransactionsController,
        RefundsController,
        TransfersController,
        BanksController,
        CheckoutController,
        LandingController,
        ScenariosController,
        HealthController,
        // Same Prometheus endpoint as every other app (docs/design.md §6).
        MetricsController,
        ...(extra.controllers ?? []),
      ],
      providers: [
        { provide: SANDBOX_CONFIG, useValue: config },
        // One store per app instance: tests that build several sandboxes never share state.
        { provide: SandboxStore, useFactory: () => new SandboxStore() },
        OutboundNotifier,
        ChapaAuthGuard,
        { provide: APP_FILTER, useClass: ChapaExceptionFilter },
        ...(extra.providers ?? []),
      ],
      exports: [SANDBOX_CONFIG, SandboxStore, OutboundNotifier],
    };
  }
}
