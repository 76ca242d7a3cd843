export * from './broker';
export * from './test-database';
export * from './test-env';
export * from './test-service';
export * from './app-process';
export * from './broker-control';
export * from './gateway-process';
export * from './money-invariants';
