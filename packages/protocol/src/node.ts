// `@ballast/protocol/node`: what only runs under Node (file reads). Browser-safe code imports
// `@ballast/protocol/core` and, where it runs under Node, this subpath beside it.
export * from './deployments-file.ts';
