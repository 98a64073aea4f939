export * from './chains.ts';
export * from './courier/index.ts';
export * from './ingest/index.ts';
export * from './logging.ts';
export * from './reconcile/index.ts';
export * from './revert-reason.ts';
export * from './transactions.ts';
