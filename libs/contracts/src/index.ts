export * from './common';
export * from './envelope';
export * from './events/define';
export * from './events/catalogue';
export * from './rpc/rpc';
export * from './asyncapi';
