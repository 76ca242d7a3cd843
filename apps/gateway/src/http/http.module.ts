import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessTokenService } from './access-token.service';
import { AuthGuard } from './auth.guard';

/**
 * The gateway's HTTP core: access-token verification and the global guards. Order matters:
 * APP_GUARD providers run in the order listed (authentication before rate limiting, so the
 * limit can be per user).
 */
@Global()
@Module({
  providers: [AccessTokenService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AccessTokenService],
})
export class GatewayHttpModule {}
