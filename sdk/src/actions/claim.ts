// claim: takes seized collateral the vault holds for the caller — a SEIZE whose token refused the
// transfer, or dust a bad-debt report swept to its reporter. Refused before any transaction when nothing
// is claimable. Sends no message.
import { collateralVaultAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import { type Address, isAddress } from 'viem';
import { type BallastBaseClient, contractOn, walletOn } from '../client.ts';
import { InvalidInputError } from '../errors/client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type WriteReturnType, sendSimulated } from '../messages/send.ts';
import { requireAccount } from './validate.ts';

export type ClaimParameters = {
  /** The home asset to claim. */
  asset: Address;
  /** Where the tokens go. @defaultValue the client's account */
  receiver?: Address;
};

export type ClaimReturnType = WriteReturnType & { amount: bigint };

/**
 * Claims everything the vault holds for the client's account in `asset`; returns the amount.
 *
 * @example
 * const { amount } = await client.claim({ asset: weth });
 */
export async function claim(client: BallastBaseClient, parameters: ClaimParameters): Promise<ClaimReturnType> {
  const action = 'claim';
  const sender = requireAccount(client, action);
  for (const name of ['asset', 'receiver'] as const) {
    const value = parameters[name];
    if (value !== undefined && !isAddress(value)) throw new InvalidInputError(action, `${name} must be an address, got ${String(value)}.`);
  }
  const { home } = client.ballast;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const claimable = await home.publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'claimableOf', args: [sender, parameters.asset] });
  if (claimable === 0n) throw new InvalidInputError(action, `nothing of ${parameters.asset} is claimable by ${sender}; the vault holds seized collateral only when a token refused a transfer or a bad-debt report swept dust.`);
  const wallet = walletOn(client, home.deployment.eid, action);
  const { request, result: amount } = await withBallastErrors(() =>
    home.publicClient.simulateContract({ address: vault, abi: collateralVaultAbi, functionName: 'claim', args: [parameters.asset, parameters.receiver ?? sender], account: wallet.account }),
  );
  return { ...(await sendSimulated(client, home.deployment.eid, action, () => wallet.writeContract(request))), amount };
}
