// `@ballast/sdk/deployments`: checking a deployments object at the edge (its zod schema), kept out of the
// main entry so a caller that already holds a parsed graph does not ship the schema library.
export { DeploymentsError, deploymentsSchema, parseDeployments } from '@ballast/protocol/core';
