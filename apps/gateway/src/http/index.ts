export * from './access-token.service';
export * from './auth.decorators';
export * from './auth.guard';
export * from './configure-http';
export * from './http.module';
export * from './openapi';
export * from './zod';
