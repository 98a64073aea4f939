// withdraw: takes collateral out of the vault, simulated first so a refusal (power, flag, a feed that
// cannot price) comes back typed before signing. Sends no message.
import { collateralVaultAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import type { Address } from 'viem';
import { type BallastBaseClient, contractOn, walletOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type WriteReturnType, sendSimulated } from '../messages/send.ts';
import { requireAccount, requirePositive } from './validate.ts';

export type WithdrawParameters = {
  asset: Address;
  /** Token units. `getPosition`'s `maxWithdraw` is the most that passes. */
  amount: bigint;
  /** @defaultValue the client's account */
  account?: Address;
  /** @defaultValue the client's account */
  receiver?: Address;
};

export type WithdrawReturnType = WriteReturnType;

/**
 * Withdraws `amount` of `asset`.
 *
 * @example
 * const { collateral } = await client.getPosition({ account });
 * await client.withdraw({ asset: collateral[0].asset, amount: collateral[0].maxWithdraw });
 */
export async function withdraw(client: BallastBaseClient, parameters: WithdrawParameters): Promise<WithdrawReturnType> {
  const action = 'withdraw';
  const sender = requireAccount(client, action);
  requirePositive(action, 'amount', parameters.amount);
  const { home } = client.ballast;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const wallet = walletOn(client, home.deployment.eid, action);
  const { request } = await withBallastErrors(() =>
    home.publicClient.simulateContract({
      address: vault,
      abi: collateralVaultAbi,
      functionName: 'withdraw',
      args: [parameters.account ?? sender, parameters.asset, parameters.amount, parameters.receiver ?? sender],
      account: wallet.account,
    }),
  );
  return sendSimulated(client, home.deployment.eid, action, () => wallet.writeContract(request));
}
