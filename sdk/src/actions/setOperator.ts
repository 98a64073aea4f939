// setOperator: lets another address act for the client's account on home (withdraw, export, recall) or
// stops it. Sends no message.
import { collateralVaultAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES } from '@ballast/protocol/core';
import { type Address, isAddress } from 'viem';
import { type BallastBaseClient, contractOn, walletOn } from '../client.ts';
import { InvalidInputError } from '../errors/client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type WriteReturnType, sendSimulated } from '../messages/send.ts';
import { requireAccount } from './validate.ts';

export type SetOperatorParameters = {
  operator: Address;
  /** `false` revokes. */
  approved: boolean;
};

export type SetOperatorReturnType = WriteReturnType;

/**
 * Approves (or revokes) `operator` for the client's account on the vault.
 *
 * @example
 * await client.setOperator({ operator: keeper, approved: true });
 */
export async function setOperator(client: BallastBaseClient, parameters: SetOperatorParameters): Promise<SetOperatorReturnType> {
  const action = 'setOperator';
  requireAccount(client, action);
  if (!isAddress(parameters.operator)) throw new InvalidInputError(action, `operator must be an address, got ${String(parameters.operator)}.`);
  const { home } = client.ballast;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const wallet = walletOn(client, home.deployment.eid, action);
  const { request } = await withBallastErrors(() =>
    home.publicClient.simulateContract({ address: vault, abi: collateralVaultAbi, functionName: 'setOperator', args: [parameters.operator, parameters.approved], account: wallet.account }),
  );
  return sendSimulated(client, home.deployment.eid, action, () => wallet.writeContract(request));
}
