// recall: asks a remote to send home up to `amount` of an account's undrawn credit (a RECALL; the remote
// answers with a RELEASE). The account or its operator may always; anyone once the account's home health
// is under the vault's recall health. Quoted and simulated first, so a refusal comes back typed.
import { collateralVaultAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES, MESSAGE_TYPES } from '@ballast/protocol/core';
import type { Address, Hex } from 'viem';
import { type BallastBaseClient, contractOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type PreparedWrite, preparedWrite, sendPrepared, simulationAccount } from '../messages/prepare.ts';
import { type SentMessage, type WriteReturnType, onlyMessage } from '../messages/send.ts';
import { MAX_UINT128, requireAccount, requirePositive, requireRemote } from './validate.ts';

export type RecallParameters = {
  /** The remote holding the line. */
  dstEid: number;
  /** Credit, USD with 18 decimals: the most to release (the remote releases what is undrawn, up to this). */
  amount: bigint;
  /** Whose credit. @defaultValue the client's account */
  account?: Address;
  /** Extra LayerZero options appended to the enforced ones. @defaultValue '0x' */
  options?: Hex;
};

export type RecallReturnType = WriteReturnType & { recall: SentMessage; fee: bigint };

/**
 * Checks, quotes and simulates a recall without sending it: the typed call and its fee.
 *
 * @example
 * const prepared = await prepareRecall(client, { dstEid: 40102, amount: undrawn, account });
 */
export async function prepareRecall(client: BallastBaseClient, parameters: RecallParameters): Promise<PreparedWrite> {
  const action = 'recall';
  const sender = requireAccount(client, action);
  requireRemote(client, action, parameters.dstEid);
  requirePositive(action, 'amount', parameters.amount, MAX_UINT128);
  const { home } = client.ballast;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const options = parameters.options ?? '0x';
  const fee = await home.publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quote', args: [parameters.dstEid, MESSAGE_TYPES.recall, options] });
  const { request } = await withBallastErrors(() =>
    home.publicClient.simulateContract({
      address: vault,
      abi: collateralVaultAbi,
      functionName: 'recall',
      args: [parameters.account ?? sender, parameters.dstEid, parameters.amount, options],
      value: fee.nativeFee,
      account: simulationAccount(client, action),
    }),
  );
  return preparedWrite(action, home.deployment.eid, request);
}

/**
 * Recalls up to `amount` of undrawn credit from `dstEid`; returns the RECALL's GUID. The credit is home
 * once the remote's RELEASE executes there.
 *
 * @example
 * const { recall } = await client.recall({ dstEid: 40102, amount: parseEther('500') });
 * await client.waitForMessage({ guid: recall.guid });
 */
export async function recall(client: BallastBaseClient, parameters: RecallParameters): Promise<RecallReturnType> {
  const prepared = await prepareRecall(client, parameters);
  const result = await sendPrepared(client, prepared);
  return { ...result, recall: onlyMessage(result, prepared.action), fee: prepared.value };
}
