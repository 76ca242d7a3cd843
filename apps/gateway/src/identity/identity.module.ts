import { Module } from '@nestjs/common';
import { AuthController, MeController } from './auth.controller';
import { AdminBootstrap, BootstrapAdmin } from './bootstrap-admin/bootstrap-admin';
import { IdentityCleanupJob } from './clean-up-expired/identity-cleanup.job';
import { GetMe } from './get-me/get-me';
import { LogIn } from './log-in/log-in';
import { LoginThrottle } from './log-in/login-throttle';
import { LogOut } from './log-out/log-out';
import { RefreshSession } from './refresh-session/refresh-session';
import { Register } from './register/register';
import { Accounts } from './shared/accounts';
import { passwordHasherProvider } from './shared/password-hasher.provider';
import { SessionIssuer } from './shared/session-issuer';

/** Accounts and sessions (schema `identity`): one folder per use case, the SQL in `*.store.ts`. */
@Module({
  controllers: [AuthController, MeController],
  providers: [
    passwordHasherProvider,
    Accounts,
    SessionIssuer,
    LoginThrottle,
    Register,
    LogIn,
    RefreshSession,
    LogOut,
    GetMe,
    BootstrapAdmin,
    AdminBootstrap,
    IdentityCleanupJob,
  ],
  exports: [BootstrapAdmin],
})
export class IdentityModule {}
