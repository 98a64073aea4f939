export * from './errors.ts';
export * from './packet.ts';
export * from './options.ts';
export * from './deployments.ts';
export * from './messages.ts';
export * from './enforced-gas.ts';
export * from './risk.ts';
export * from './simulation.ts';
