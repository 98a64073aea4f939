// retryMessage: executes a verified message again through the destination endpoint (`lzReceive` is
// permissionless), for a payload whose execution reverted earlier and can succeed now, or one no executor
// picked up. Simulated first, so a message that would still revert says why before anything is sent.
import { endpointV2Abi } from '../abi.generated.ts';
import { addressToBytes32 } from '@ballast/protocol/core';
import type { BallastBaseClient } from '../client.ts';
import { walletOn } from '../client.ts';
import { MessageTrackingError } from '../errors/client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { type WriteReturnType, sendSimulated } from '../messages/send.ts';
import { type GetMessageParameters, type GetMessageReturnType, getMessage } from './getMessage.ts';

export type RetryMessageParameters = GetMessageParameters & {
  /** Gas for the execution. @defaultValue estimated */
  gas?: bigint;
};

export type RetryMessageReturnType = WriteReturnType & { message: GetMessageReturnType };

/**
 * Executes message `guid` on its destination. Only a message that is VERIFIED or PAYLOAD_STORED can run;
 * any other status throws `MessageTrackingError` saying what it waits for.
 *
 * @example
 * const { message } = await client.retryMessage({ guid, transactionHash });
 * message.status; // 'DELIVERED'
 */
export async function retryMessage(client: BallastBaseClient, parameters: RetryMessageParameters): Promise<RetryMessageReturnType> {
  const { gas, ...locator } = parameters;
  const before = await getMessage(client, locator);
  if (before.status !== 'VERIFIED' && before.status !== 'PAYLOAD_STORED') {
    const why = before.status === 'DELIVERED' ? 'it was delivered already' : before.status === 'BLOCKED' ? 'an earlier message of its pathway is not verified yet' : 'it is not verified on its destination yet';
    throw new MessageTrackingError(`Cannot retry message ${before.guid}: ${why} (${before.status}).`, { meta: { status: before.status } });
  }
  const destination = client.ballast.chains.get(before.dstEid);
  if (!destination) throw new MessageTrackingError(`Message ${before.guid} goes to chain ${before.dstEid}, which is not in this client's deployments.`);
  const wallet = walletOn(client, before.dstEid, 'retryMessage');
  const { request } = await withBallastErrors(() =>
    destination.publicClient.simulateContract({
      address: destination.deployment.layerZero.endpoint,
      abi: endpointV2Abi,
      functionName: 'lzReceive',
      args: [{ srcEid: before.srcEid, sender: addressToBytes32(before.sender), nonce: before.nonce }, before.receiver, before.guid, before.message, '0x'],
      account: wallet.account,
      gas,
    }),
  );
  const result = await sendSimulated(client, before.dstEid, 'retryMessage', () => wallet.writeContract(request));
  return { ...result, message: await getMessage(client, { ...locator, srcEid: before.srcEid, transactionHash: before.sentIn }) };
}
