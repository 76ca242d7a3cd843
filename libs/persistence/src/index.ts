export * from './data-source';
export * from './pg-errors';
export * from './pipelined-transactions';
export * from './dedicated-connection';
