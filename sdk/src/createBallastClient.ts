// The full Ballast client: the base client (client.ts) with every SDK action bound by the decorator, as
// viem's `createPublicClient` is `createClient` extended with `publicActions`. It sits above the actions,
// which import only the base client, so imports run one way: this file → decorator → actions → client.ts.
import { type BallastActions, ballastActions } from './decorators/ballast.ts';
import { type BallastBaseClient, type CreateBallastClientParameters, createBallastBaseClient } from './client.ts';

/** The client `createBallastClient` returns: the base client with every SDK action bound. */
export type BallastClient = BallastBaseClient & BallastActions;

/**
 * Creates a Ballast client over every chain of `deployments`, with every SDK action bound.
 *
 * @example
 * const client = createBallastClient({ deployments, account: privateKeyToAccount(key) });
 * const position = await client.getPosition({ account: client.account.address });
 */
export function createBallastClient(parameters: CreateBallastClientParameters): BallastClient {
  return createBallastBaseClient(parameters).extend(ballastActions);
}
