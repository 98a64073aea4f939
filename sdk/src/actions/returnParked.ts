// returnParked: sends home the credit an account has parked on a remote (a GRANT that arrived late, or
// credit a flag or recall set aside) as a RELEASE. Permissionless: anyone may pay for it.
import { creditMirrorAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES, MESSAGE_TYPES } from '@ballast/protocol/core';
import type { Address, Hex } from 'viem';
import { type BallastBaseClient, contractOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type PreparedWrite, preparedWrite, sendPrepared, simulationAccount } from '../messages/prepare.ts';
import { type SentMessage, type WriteReturnType, onlyMessage } from '../messages/send.ts';
import { requireAccount, requireRemote } from './validate.ts';

export type ReturnParkedParameters = {
  /** The remote holding the parked credit. */
  eid: number;
  /** Whose parked credit. @defaultValue the client's account */
  account?: Address;
  /** @defaultValue '0x' */
  options?: Hex;
};

export type ReturnParkedReturnType = WriteReturnType & { release: SentMessage; fee: bigint };

/**
 * Checks, quotes and simulates a return of parked credit without sending it.
 *
 * @example
 * const prepared = await prepareReturnParked(client, { eid: 40102, account });
 */
export async function prepareReturnParked(client: BallastBaseClient, parameters: ReturnParkedParameters): Promise<PreparedWrite> {
  const action = 'returnParked';
  const sender = requireAccount(client, action);
  const remote = requireRemote(client, action, parameters.eid);
  const mirror = contractOn(client, parameters.eid, CONTRACT_NAMES.mirror);
  const options = parameters.options ?? '0x';
  const fee = await remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'quote', args: [MESSAGE_TYPES.release, options] });
  const { request } = await withBallastErrors(() =>
    remote.publicClient.simulateContract({
      address: mirror,
      abi: creditMirrorAbi,
      functionName: 'returnParked',
      args: [parameters.account ?? sender, options],
      value: fee.nativeFee,
      account: simulationAccount(client, action),
    }),
  );
  return preparedWrite(action, parameters.eid, request);
}

/**
 * Sends `account`'s parked credit on `eid` home; returns the RELEASE's GUID.
 *
 * @example
 * const { remotes } = await client.getPosition({ account });
 * if (remotes[0].parked > 0n) await client.returnParked({ eid: remotes[0].eid, account });
 */
export async function returnParked(client: BallastBaseClient, parameters: ReturnParkedParameters): Promise<ReturnParkedReturnType> {
  const prepared = await prepareReturnParked(client, parameters);
  const result = await sendPrepared(client, prepared);
  return { ...result, release: onlyMessage(result, prepared.action), fee: prepared.value };
}
