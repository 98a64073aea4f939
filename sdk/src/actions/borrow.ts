// borrow: borrows from a remote's reference lending pool against the account's credit line there,
// authorising the pool as a consumer of the line first when it is not. Simulated before signing, so a
// stale heartbeat or a short line comes back typed.
import { creditLendingPoolAbi, creditMirrorAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import type { Address, Hash } from 'viem';
import { type BallastBaseClient, contractOn, walletOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type WriteReturnType, sendSimulated } from '../messages/send.ts';
import { setConsumerAuthorization } from './setConsumerAuthorization.ts';
import { requireAccount, requirePositive, requireRemote } from './validate.ts';

export type BorrowParameters = {
  eid: number;
  /** In the pool's token units (USDC: 6 decimals). */
  amount: bigint;
  /** @defaultValue the client's account */
  receiver?: Address;
};

export type BorrowReturnType = WriteReturnType & { authorization: Hash | undefined };

/**
 * Borrows `amount` from the lending pool on `eid`.
 *
 * @example
 * await client.borrow({ eid: 40102, amount: parseUnits('500', 6) });
 */
export async function borrow(client: BallastBaseClient, parameters: BorrowParameters): Promise<BorrowReturnType> {
  const action = 'borrow';
  const account = requireAccount(client, action);
  const remote = requireRemote(client, action, parameters.eid);
  requirePositive(action, 'amount', parameters.amount);
  const mirror = contractOn(client, parameters.eid, CONTRACT_NAMES.mirror);
  const pool = contractOn(client, parameters.eid, CONTRACT_NAMES.pool);
  const wallet = walletOn(client, parameters.eid, action);
  let authorization: Hash | undefined;
  const authorized = await remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'isConsumerAuthorized', args: [account, pool] });
  if (!authorized) authorization = (await setConsumerAuthorization(client, { eid: parameters.eid, consumer: pool, authorized: true })).transactionHash;
  const { request } = await withBallastErrors(() =>
    remote.publicClient.simulateContract({ address: pool, abi: creditLendingPoolAbi, functionName: 'borrow', args: [account, parameters.amount, parameters.receiver ?? account], account: wallet.account }),
  );
  return { ...(await sendSimulated(client, parameters.eid, action, () => wallet.writeContract(request))), authorization };
}
