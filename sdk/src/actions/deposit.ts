// deposit: puts collateral into the vault, approving the vault for the token first when its allowance
// is short. Both transactions are simulated before they are signed. Sends no message.
import { collateralVaultAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import type { Address, Hash } from 'viem';
import { type BallastBaseClient, contractOn, walletOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type WriteReturnType, sendSimulated } from '../messages/send.ts';
import { approveIfShort } from './allowance.ts';
import { requireAccount, requirePositive } from './validate.ts';

export type DepositParameters = {
  asset: Address;
  /** Token units. */
  amount: bigint;
  /** Whose collateral it becomes. @defaultValue the client's account */
  account?: Address;
};

export type DepositReturnType = WriteReturnType & { approval: Hash | undefined };

/**
 * Deposits `amount` of `asset` (approving the vault first when needed).
 *
 * @example
 * await client.deposit({ asset: weth, amount: parseEther('10') });
 */
export async function deposit(client: BallastBaseClient, parameters: DepositParameters): Promise<DepositReturnType> {
  const action = 'deposit';
  const sender = requireAccount(client, action);
  requirePositive(action, 'amount', parameters.amount);
  const { home } = client.ballast;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const wallet = walletOn(client, home.deployment.eid, action);
  const approval = await approveIfShort(client, home.deployment.eid, action, { token: parameters.asset, spender: vault, amount: parameters.amount });
  const { request } = await withBallastErrors(() =>
    home.publicClient.simulateContract({ address: vault, abi: collateralVaultAbi, functionName: 'deposit', args: [parameters.account ?? sender, parameters.asset, parameters.amount], account: wallet.account }),
  );
  return { ...(await sendSimulated(client, home.deployment.eid, action, () => wallet.writeContract(request))), approval };
}
