// setConsumerAuthorization: lets a consumer (a lending pool, a perp venue) draw on the client's credit
// line on a remote, or stops it. The caller must own the line. Sends no message.
import { creditMirrorAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import { type Address, isAddress } from 'viem';
import { type BallastBaseClient, contractOn, walletOn } from '../client.ts';
import { InvalidInputError } from '../errors/client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type WriteReturnType, sendSimulated } from '../messages/send.ts';
import { requireAccount, requireRemote } from './validate.ts';

export type SetConsumerAuthorizationParameters = {
  /** The remote holding the line. */
  eid: number;
  /** The consumer contract. */
  consumer: Address;
  /** `false` revokes. */
  authorized: boolean;
  /** The line's owner. @defaultValue the client's account */
  account?: Address;
};

export type SetConsumerAuthorizationReturnType = WriteReturnType;

/**
 * Authorises (or deauthorises) `consumer` to draw on the account's line on `eid`.
 *
 * @example
 * await client.setConsumerAuthorization({ eid: 40102, consumer: pool, authorized: true });
 */
export async function setConsumerAuthorization(client: BallastBaseClient, parameters: SetConsumerAuthorizationParameters): Promise<SetConsumerAuthorizationReturnType> {
  const action = 'setConsumerAuthorization';
  const sender = requireAccount(client, action);
  const remote = requireRemote(client, action, parameters.eid);
  if (!isAddress(parameters.consumer)) throw new InvalidInputError(action, `consumer must be an address, got ${String(parameters.consumer)}.`);
  if (typeof parameters.authorized !== 'boolean') throw new InvalidInputError(action, `authorized must be true or false, got ${String(parameters.authorized)}.`);
  const mirror = contractOn(client, parameters.eid, CONTRACT_NAMES.mirror);
  const wallet = walletOn(client, parameters.eid, action);
  const { request } = await withBallastErrors(() =>
    remote.publicClient.simulateContract({
      address: mirror,
      abi: creditMirrorAbi,
      functionName: 'setConsumerAuthorization',
      args: [parameters.account ?? sender, parameters.consumer, parameters.authorized],
      account: wallet.account,
    }),
  );
  return sendSimulated(client, parameters.eid, action, () => wallet.writeContract(request));
}
