export * from './carriage-policy.ts';
export * from './courier.ts';
export * from './deliver.ts';
export * from './dvn.ts';
export * from './errors.ts';
export * from './ledger.ts';
export * from './packet-watcher.ts';
export * from './source-evidence.ts';
