// release: sends undrawn credit of a line on a remote back home (a RELEASE). The remote debits at once;
// home frees the power only when the RELEASE executes there, so wait for it before exporting again.
import { creditMirrorAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES, MESSAGE_TYPES } from '@ballast/protocol/core';
import type { Address, Hex } from 'viem';
import { type BallastBaseClient, contractOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type PreparedWrite, preparedWrite, sendPrepared, simulationAccount } from '../messages/prepare.ts';
import { type SentMessage, type WriteReturnType, onlyMessage } from '../messages/send.ts';
import { MAX_UINT128, requireAccount, requirePositive, requireRemote } from './validate.ts';

export type ReleaseParameters = {
  /** The remote holding the line. */
  eid: number;
  /** Credit, USD with 18 decimals; at most the undrawn line. */
  amount: bigint;
  /** Whose line. @defaultValue the client's account (which must own it on the remote) */
  account?: Address;
  /** @defaultValue '0x' */
  options?: Hex;
};

export type ReleaseReturnType = WriteReturnType & { release: SentMessage; fee: bigint };

/**
 * Checks, quotes and simulates a release without sending it.
 *
 * @example
 * const prepared = await prepareRelease(client, { eid: 40102, amount: parseEther('500') });
 */
export async function prepareRelease(client: BallastBaseClient, parameters: ReleaseParameters): Promise<PreparedWrite> {
  const action = 'release';
  const sender = requireAccount(client, action);
  const remote = requireRemote(client, action, parameters.eid);
  requirePositive(action, 'amount', parameters.amount, MAX_UINT128);
  const mirror = contractOn(client, parameters.eid, CONTRACT_NAMES.mirror);
  const options = parameters.options ?? '0x';
  const fee = await remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'quote', args: [MESSAGE_TYPES.release, options] });
  const { request } = await withBallastErrors(() =>
    remote.publicClient.simulateContract({
      address: mirror,
      abi: creditMirrorAbi,
      functionName: 'release',
      args: [parameters.account ?? sender, parameters.amount, options],
      value: fee.nativeFee,
      account: simulationAccount(client, action),
    }),
  );
  return preparedWrite(action, parameters.eid, request);
}

/**
 * Releases `amount` of undrawn credit on `eid` back home; returns the RELEASE's GUID.
 *
 * @example
 * const { release } = await client.release({ eid: 40102, amount: parseEther('500') });
 * await client.waitForMessage({ guid: release.guid });
 */
export async function release(client: BallastBaseClient, parameters: ReleaseParameters): Promise<ReleaseReturnType> {
  const prepared = await prepareRelease(client, parameters);
  const result = await sendPrepared(client, prepared);
  return { ...result, release: onlyMessage(result, prepared.action), fee: prepared.value };
}
