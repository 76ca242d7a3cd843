export * from './data-source';
export * from './pg-errors';
export * from './pipelined-transactions';
