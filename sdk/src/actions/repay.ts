// repay: repays a loan in a remote's reference lending pool (approving the pool for its token first when
// the allowance is short), which restores the credit the loan drew on the line.
import { creditLendingPoolAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import type { Address, Hash } from 'viem';
import { type BallastBaseClient, contractOn, walletOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type WriteReturnType, sendSimulated } from '../messages/send.ts';
import { approveIfShort } from './allowance.ts';
import { requireAccount, requirePositive, requireRemote } from './validate.ts';

export type RepayParameters = {
  eid: number;
  /** In the pool's token units; the pool takes at most the debt. */
  amount: bigint;
  /** Whose loan. @defaultValue the client's account */
  account?: Address;
};

export type RepayReturnType = WriteReturnType & { approval: Hash | undefined };

/**
 * Repays `amount` of the loan on `eid`.
 *
 * @example
 * const { remotes } = await client.getPosition({ account });
 * await client.repay({ eid: remotes[0].eid, amount: remotes[0].poolDebt! });
 */
export async function repay(client: BallastBaseClient, parameters: RepayParameters): Promise<RepayReturnType> {
  const action = 'repay';
  const sender = requireAccount(client, action);
  const remote = requireRemote(client, action, parameters.eid);
  requirePositive(action, 'amount', parameters.amount);
  const pool = contractOn(client, parameters.eid, CONTRACT_NAMES.pool);
  const token = contractOn(client, parameters.eid, CONTRACT_NAMES.usdc);
  const wallet = walletOn(client, parameters.eid, action);
  const approval = await approveIfShort(client, parameters.eid, action, { token, spender: pool, amount: parameters.amount });
  const { request } = await withBallastErrors(() =>
    remote.publicClient.simulateContract({ address: pool, abi: creditLendingPoolAbi, functionName: 'repay', args: [parameters.account ?? sender, parameters.amount], account: wallet.account }),
  );
  return { ...(await sendSimulated(client, parameters.eid, action, () => wallet.writeContract(request))), approval };
}
