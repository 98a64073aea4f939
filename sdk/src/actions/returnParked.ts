// returnParked: sends home the credit an account has parked on a remote (a GRANT that arrived late, or
// credit a flag or recall set aside) as a RELEASE. Permissionless: anyone may pay for it.
import { creditMirrorAbi } from '@ballast/abi';
import { CONTRACT_NAMES, MESSAGE_TYPES } from '@ballast/protocol/core';
import type { Address, Hex } from 'viem';
import { type BallastBaseClient, contractOn, walletOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type SentMessage, type WriteReturnType, onlyMessage, sendSimulated } from '../messages/send.ts';
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
 * Sends `account`'s parked credit on `eid` home; returns the RELEASE's GUID.
 *
 * @example
 * const { remotes } = await client.getPosition({ account });
 * if (remotes[0].parked > 0n) await client.returnParked({ eid: remotes[0].eid, account });
 */
export async function returnParked(client: BallastBaseClient, parameters: ReturnParkedParameters): Promise<ReturnParkedReturnType> {
  const action = 'returnParked';
  const sender = requireAccount(client, action);
  const remote = requireRemote(client, action, parameters.eid);
  const mirror = contractOn(client, parameters.eid, CONTRACT_NAMES.mirror);
  const wallet = walletOn(client, parameters.eid, action);
  const options = parameters.options ?? '0x';
  const fee = await remote.publicClient.readContract({ address: mirror, abi: creditMirrorAbi, functionName: 'quote', args: [MESSAGE_TYPES.release, options] });
  const { request } = await withBallastErrors(() =>
    remote.publicClient.simulateContract({ address: mirror, abi: creditMirrorAbi, functionName: 'returnParked', args: [parameters.account ?? sender, options], value: fee.nativeFee, account: wallet.account }),
  );
  const result = await sendSimulated(client, parameters.eid, action, () => wallet.writeContract(request));
  return { ...result, release: onlyMessage(result, action), fee: fee.nativeFee };
}
