// `@ballast/sdk/node`: what only runs under Node — reading a deployments file from disk.
export { loadDeployments } from '@ballast/protocol/node';
