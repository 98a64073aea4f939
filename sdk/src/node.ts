// `@ballast/sdk/node`: what only runs under Node — reading and checking a deployments file from disk, and a
// plan store kept in a file (so an executed plan resumes in another process).
export { loadDeployments } from '@ballast/protocol/node';
export { parseDeployments } from '@ballast/protocol/core';
export { fileStore } from './intents/file-store.ts';
