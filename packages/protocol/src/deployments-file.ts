// Reading a deployments file from disk: the one Node-only part of the deployment graph, kept apart so
// browser-safe code (the SDK) never pulls `node:fs` into its import graph. Imported as
// `@ballast/protocol/node`; the package root re-exports it for existing Node callers.
import { readFile } from 'node:fs/promises';
import { DeploymentsError } from './deployment-graph.ts';
import { type Deployments, parseDeployments } from './deployments.ts';

/** Reads and validates a deployments file (written by `pnpm devnet` or a deploy script). */
export async function loadDeployments(path: string): Promise<Deployments> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new DeploymentsError(`Cannot read deployments file ${path}. Start the devnet (pnpm devnet) or pass the right path.`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DeploymentsError(`Deployments file ${path} is not JSON.`, { cause });
  }
  return parseDeployments(json, path);
}
