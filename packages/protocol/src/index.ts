// The package root: the browser-safe core and, for Node callers (relayer, devnet, tests), the
// deployments file reader (`@ballast/protocol/node`).
export * from './core.ts';
export * from './node.ts';
