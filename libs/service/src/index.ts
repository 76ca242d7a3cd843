export * from './bootstrap';
export * from './health.controller';
export * from './job-runner';
export * from './metrics.controller';
export * from './problem.filter';
export * from './service-kit.module';
export * from './tokens';
export * from './telemetry';
