// The one send path every write goes through: the caller simulates its typed call (so a revert comes
// back decoded before anything is signed), this sends it, waits for the receipt and returns the GUIDs of
// the LayerZero messages the transaction sent, read from the chain's endpoint `PacketSent` logs.
import { endpointV2Abi } from '../abi.generated.ts';
import { decodePacket } from '@ballast/protocol/core';
import { type Hash, type Hex, type TransactionReceipt, parseEventLogs } from 'viem';
import { type BallastBaseClient, connectionOf } from '../client.ts';
import { withBallastErrors } from '../errors/contract.ts';
import { MessageTrackingError } from '../errors/client.ts';

/** A LayerZero message a write sent. */
export type SentMessage = { guid: Hex; srcEid: number; dstEid: number; nonce: bigint };

/** A message a write sent with its packet as the endpoint emitted it (`PacketSent.encodedPayload`; `decodePacket` reads it back). */
export type SentPacket = { message: SentMessage; encodedPacket: Hex };

/** What every write returns. */
export type WriteReturnType = {
  /** The chain the transaction ran on. */
  eid: number;
  transactionHash: Hash;
  receipt: TransactionReceipt;
  /** Messages the transaction sent, in order (empty for a write that sends none). */
  messages: SentMessage[];
};

/** The packets a receipt of chain `eid` shows leaving through its endpoint, with their messages. */
export function sentPackets(client: BallastBaseClient, eid: number, receipt: TransactionReceipt): SentPacket[] {
  const endpoint = connectionOf(client, eid).deployment.layerZero.endpoint.toLowerCase();
  return parseEventLogs({ abi: endpointV2Abi, logs: receipt.logs.filter((log) => log.address.toLowerCase() === endpoint), eventName: 'PacketSent' }).map((log) => {
    const packet = decodePacket(log.args.encodedPayload);
    return { message: { guid: packet.guid, srcEid: packet.srcEid, dstEid: packet.dstEid, nonce: packet.nonce }, encodedPacket: log.args.encodedPayload };
  });
}

/** The messages a receipt of chain `eid` shows leaving through its endpoint. */
export function sentMessages(client: BallastBaseClient, eid: number, receipt: TransactionReceipt): SentMessage[] {
  return sentPackets(client, eid, receipt).map((packet) => packet.message);
}

/**
 * Sends a simulated write (`send` signs and broadcasts the simulation's request), waits for its receipt and
 * returns it with the messages it sent. A revert at any point comes back as a `BallastContractError`. The
 * client's `onSent` hook, when set, hears the hash after broadcast and before the receipt wait.
 */
export async function sendSimulated(client: BallastBaseClient, eid: number, action: string, send: () => Promise<Hash>): Promise<WriteReturnType> {
  const connection = connectionOf(client, eid);
  const transactionHash = await withBallastErrors(send);
  await client.ballast.onSent?.({ eid, action, transactionHash });
  const receipt = await connection.publicClient.waitForTransactionReceipt({ hash: transactionHash });
  if (receipt.status !== 'success') {
    throw new MessageTrackingError(`${action} was mined but reverted (${transactionHash} on ${connection.deployment.name}). Read the position again: the chain changed between simulation and inclusion.`);
  }
  return { eid, transactionHash, receipt, messages: sentMessages(client, eid, receipt) };
}

/** The one message a write must have sent; throws when it sent none (a bug or a changed contract). */
export function onlyMessage(result: WriteReturnType, action: string): SentMessage {
  const [message] = result.messages;
  if (!message) throw new MessageTrackingError(`${action} succeeded but sent no LayerZero message (${result.transactionHash}).`);
  return message;
}

