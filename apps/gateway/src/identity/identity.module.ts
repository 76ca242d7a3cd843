import { Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { AuthController, MeController } from './auth.controller';
import { IdentityCleanupJob } from './cleanup.job';
import { IdentityService } from './identity.service';
import { LoginThrottle } from './login-throttle';

/** Creates the bootstrap admin at start (every replica may; the unique email decides). */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  constructor(private readonly identity: IdentityService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.identity.ensureBootstrapAdmin();
  }
}

@Module({
  controllers: [AuthController, MeController],
  providers: [IdentityService, LoginThrottle, AdminBootstrap, IdentityCleanupJob],
  exports: [IdentityService, LoginThrottle],
})
export class IdentityModule {}
