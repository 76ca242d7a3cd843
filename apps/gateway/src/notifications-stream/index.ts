export * from './notification-hub';
export * from './notification-stream.controller';
export * from './notifications-stream.module';
export * from './session-revocations';
export * from './live-stream';
