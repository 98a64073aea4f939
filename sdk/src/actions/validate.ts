// Input checks every write runs before it reads or sends anything: a positive amount, a chain of the
// right role, an account to sign with. Each failure is an `InvalidInputError` naming the argument.
import type { Address } from 'viem';
import { type BallastBaseClient, type BallastChainConnection, connectionOf } from '../client.ts';
import { InvalidInputError, MissingAccountError } from '../errors/client.ts';

/** Throws unless `amount` is a bigint above zero (and within `max` when given). */
export function requirePositive(action: string, name: string, amount: bigint, max?: bigint): void {
  if (typeof amount !== 'bigint' || amount <= 0n) throw new InvalidInputError(action, `${name} must be a bigint above zero, got ${String(amount)}.`);
  if (max !== undefined && amount > max) throw new InvalidInputError(action, `${name} must be at most ${max}, got ${amount}.`);
}

/** The remote chain `eid`; throws unless it is a remote of the deployments. */
export function requireRemote(client: BallastBaseClient, action: string, eid: number): BallastChainConnection {
  const connection = client.ballast.chains.get(eid);
  if (!connection || connection.deployment.role !== 'remote') {
    throw new InvalidInputError(action, `eid ${eid} is not a remote chain of the deployments; remotes: ${client.ballast.remotes.map((remote) => `${remote.deployment.name} (${remote.deployment.eid})`).join(', ')}.`);
  }
  return connectionOf(client, eid);
}

/** The client's account address; throws `MissingAccountError` for a read-only client. */
export function requireAccount(client: BallastBaseClient, action: string): Address {
  const account = client.ballast.account;
  if (!account) throw new MissingAccountError(action);
  return account.address;
}

export const MAX_UINT128 = 2n ** 128n - 1n;
