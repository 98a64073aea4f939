// `@ballast/protocol/core`: everything in the package that runs anywhere (no `node:*` import), for
// browser-safe code such as the SDK. The package root adds the Node-only file reader to it.
export * from './errors.ts';
export * from './packet.ts';
export * from './options.ts';
export * from './deployments.ts';
export * from './deployment-graph.ts';
export * from './messages.ts';
export * from './enforced-gas.ts';
export * from './risk.ts';
export * from './simulation.ts';
export * from './health.ts';
