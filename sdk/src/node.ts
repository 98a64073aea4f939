// `@ballast/sdk/node`: what only runs under Node — reading and checking a deployments file from disk.
export { loadDeployments } from '@ballast/protocol/node';
export { parseDeployments } from '@ballast/protocol/core';
