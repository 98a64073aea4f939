export * from './account-store.ts';
export * from './differences.ts';
export * from './audit.ts';
