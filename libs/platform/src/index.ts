export * from './cancellation-policy';
export * from './clock';
export * from './config';
export * from './context';
export * from './errors';
export * from './metrics';
export * from './money';
export * from './state-machine';
