export * from './contracts.ts';
export * from './errors.ts';
export * from './event-source.ts';
export * from './ingest.ts';
export * from './ledger.ts';
export * from './metrics.ts';
export * from './settings.ts';
