export * from './account-store.ts';
export * from './differences.ts';
