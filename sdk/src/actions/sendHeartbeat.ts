// sendHeartbeat: sends home's HEARTBEAT to a remote (anyone may): draws there need one newer than the
// remote's heartbeat period.
import { collateralVaultAbi } from '../abi.generated.ts';
import { CONTRACT_NAMES, MESSAGE_TYPES } from '@ballast/protocol/core';
import type { Hex } from 'viem';
import { type BallastBaseClient, contractOn } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type PreparedWrite, preparedWrite, sendPrepared, simulationAccount } from '../messages/prepare.ts';
import { type SentMessage, type WriteReturnType, onlyMessage } from '../messages/send.ts';
import { requireAccount, requireRemote } from './validate.ts';

export type SendHeartbeatParameters = {
  dstEid: number;
  /** @defaultValue '0x' */
  options?: Hex;
};

export type SendHeartbeatReturnType = WriteReturnType & { heartbeat: SentMessage; fee: bigint };

/**
 * Checks, quotes and simulates a heartbeat without sending it.
 *
 * @example
 * const prepared = await prepareSendHeartbeat(client, { dstEid: 40102 });
 */
export async function prepareSendHeartbeat(client: BallastBaseClient, parameters: SendHeartbeatParameters): Promise<PreparedWrite> {
  const action = 'sendHeartbeat';
  requireAccount(client, action);
  requireRemote(client, action, parameters.dstEid);
  const { home } = client.ballast;
  const vault = contractOn(client, home.deployment.eid, CONTRACT_NAMES.vault);
  const options = parameters.options ?? '0x';
  const fee = await home.publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'quote', args: [parameters.dstEid, MESSAGE_TYPES.heartbeat, options] });
  const { request } = await withBallastErrors(() =>
    home.publicClient.simulateContract({ address: vault, abi: collateralVaultAbi, functionName: 'sendHeartbeat', args: [parameters.dstEid, options], value: fee.nativeFee, account: simulationAccount(client, action) }),
  );
  return preparedWrite(action, home.deployment.eid, request);
}

/**
 * Sends a HEARTBEAT to `dstEid`; returns its GUID.
 *
 * @example
 * const { heartbeat } = await client.sendHeartbeat({ dstEid: 40102 });
 * await client.waitForMessage({ guid: heartbeat.guid });
 */
export async function sendHeartbeat(client: BallastBaseClient, parameters: SendHeartbeatParameters): Promise<SendHeartbeatReturnType> {
  const prepared = await prepareSendHeartbeat(client, parameters);
  const result = await sendPrepared(client, prepared);
  return { ...result, heartbeat: onlyMessage(result, prepared.action), fee: prepared.value };
}
