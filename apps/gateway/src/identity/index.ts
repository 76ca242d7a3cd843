export * from './auth.controller';
export * from './identity.module';
export * from './identity.service';
export * from './password-hasher';
export * from './cleanup.job';
export * from './login-throttle';
