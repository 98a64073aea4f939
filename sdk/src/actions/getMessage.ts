// getMessage: where a LayerZero message stands, in LayerZero Scan's words, read from the destination's
// endpoint and receive library (no relayer, no indexer), and what it did on arrival: the receiver's own
// events in the delivering transaction (a GRANT lands as CreditGranted, GrantExpired or CreditParked; a
// notice may land as StaleNotice). A verified message that will not execute is simulated for its revert.
import { collateralVaultAbi, creditMirrorAbi, endpointV2Abi } from '../abi.generated.ts';
import { type MessageType, bytes32ToAddress, messageTypeOf } from '@ballast/protocol/core';
import { type Address, type Hash, type Hex, type Log, parseEventLogs } from 'viem';
import { type BallastBaseClient, type BallastChainConnection, connectionOf } from '../client.ts';
import { type BallastContractError, decodeBallastError, revertData } from '../errors/contract.ts';
import { readInboundState } from '../messages/inbound.ts';
import { type LocatedPacket, type MessageLocator, locatePacket } from '../messages/locate.ts';

/**
 * LayerZero Scan's status vocabulary: INFLIGHT (sent, no verifier has signed), CONFIRMING (signed, not yet
 * committed on the destination endpoint), VERIFIED (committed, waiting for an executor), BLOCKED (verified,
 * but an earlier nonce of the pathway is not, so it cannot execute yet), PAYLOAD_STORED (executable, but
 * executing it reverts: the reason is in `revert`), DELIVERED (executed).
 */
export type MessageStatus = 'INFLIGHT' | 'CONFIRMING' | 'VERIFIED' | 'BLOCKED' | 'PAYLOAD_STORED' | 'DELIVERED';

/** One event the receiver emitted while applying the message, decoded with its ABI. */
export type ArrivalEvent = { eventName: string; args: Record<string, unknown> };

export type GetMessageParameters = MessageLocator;

export type GetMessageReturnType = {
  guid: Hex;
  status: MessageStatus;
  srcEid: number;
  dstEid: number;
  nonce: bigint;
  sender: Address;
  receiver: Address;
  /** The Ballast message type (`grant`, `release`, …), `undefined` for a packet of another app. */
  type: MessageType | undefined;
  message: Hex;
  /** The transaction that sent it. */
  sentIn: Hash;
  /** The transaction that executed it (DELIVERED). */
  deliveredIn: Hash | undefined;
  /** What the receiver did on arrival (DELIVERED): its events in the delivering transaction (decoded for the vault and the mirrors, empty for another app). */
  arrival: ArrivalEvent[] | undefined;
  /** Why executing it reverts (PAYLOAD_STORED): decoded when a Ballast or LayerZero contract raised it, else the raw data. */
  revert: { error: BallastContractError | undefined; message: string; data: Hex | undefined } | undefined;
};

/** The events of the receiver, decoded with its ABI when it is the chain's vault or mirror (another app's stay undecoded). */
function arrivalEvents(destination: BallastChainConnection, receiver: Address, logs: Log[]): ArrivalEvent[] {
  const { collateralVault, creditMirror } = destination.deployment.contracts;
  const abi = collateralVault && isSame(collateralVault, receiver) ? collateralVaultAbi : creditMirror && isSame(creditMirror, receiver) ? creditMirrorAbi : undefined;
  if (!abi) return [];
  return parseEventLogs({ abi, logs }).map((log) => ({ eventName: log.eventName, args: { ...(log.args as Record<string, unknown>) } }));
}

async function arrivalOf(destination: BallastChainConnection, located: LocatedPacket, fromBlock: bigint): Promise<{ deliveredIn: Hash; arrival: ArrivalEvent[] } | undefined> {
  const { packet } = located;
  const endpoint = destination.deployment.layerZero.endpoint;
  const receiver = bytes32ToAddress(packet.receiver);
  const logs = await destination.publicClient.getContractEvents({ address: endpoint, abi: endpointV2Abi, eventName: 'PacketDelivered', fromBlock, toBlock: 'latest', strict: true });
  const delivered = logs.find(
    ({ args }) => args.origin.srcEid === packet.srcEid && args.origin.nonce === packet.nonce && isSame(args.origin.sender, packet.sender) && isSame(args.receiver, receiver),
  );
  if (!delivered) return undefined;
  const receipt = await destination.publicClient.getTransactionReceipt({ hash: delivered.transactionHash });
  // The endpoint emits PacketDelivered after the receiver ran: this packet's events are the receiver's
  // between the transaction's previous PacketDelivered (if it delivered several) and this one.
  const previous = parseEventLogs({ abi: endpointV2Abi, logs: receipt.logs, eventName: 'PacketDelivered' })
    .map((log) => log.logIndex)
    .filter((index) => index < delivered.logIndex)
    .reduce((last, index) => Math.max(last, index), -1);
  const own = receipt.logs.filter((log) => isSame(log.address, receiver) && log.logIndex > previous && log.logIndex < delivered.logIndex);
  return { deliveredIn: delivered.transactionHash, arrival: arrivalEvents(destination, receiver, own) };
}

function isSame(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Where message `guid` stands and, once delivered, what it did on arrival.
 *
 * @example
 * const { guid, transactionHash } = await client.exportCredit({ dstEid, amount });
 * const message = await client.getMessage({ guid, transactionHash });
 * message.status;   // 'INFLIGHT' | 'CONFIRMING' | 'VERIFIED' | 'BLOCKED' | 'PAYLOAD_STORED' | 'DELIVERED'
 * message.arrival;  // [{ eventName: 'CreditGranted', args: { … } }] once delivered
 */
export async function getMessage(client: BallastBaseClient, parameters: GetMessageParameters): Promise<GetMessageReturnType> {
  const located = await locatePacket(client, parameters);
  const { packet } = located;
  const destination = connectionOf(client, packet.dstEid);
  const receiver = bytes32ToAddress(packet.receiver);
  const reader = destination.publicClient;
  const state = await readInboundState(destination, packet);
  let type: MessageType | undefined;
  try {
    type = messageTypeOf(packet.message);
  } catch {
    type = undefined;
  }
  const base = {
    guid: packet.guid,
    srcEid: packet.srcEid,
    dstEid: packet.dstEid,
    nonce: packet.nonce,
    sender: bytes32ToAddress(packet.sender),
    receiver,
    type,
    message: packet.message,
    sentIn: located.transactionHash,
    deliveredIn: undefined,
    arrival: undefined,
    revert: undefined,
  };
  if (state.kind === 'executed') {
    const found = await arrivalOf(destination, located, BigInt(destination.deployment.startBlock));
    return { ...base, status: 'DELIVERED', deliveredIn: found?.deliveredIn, arrival: found?.arrival };
  }
  // Not verified, or another payload verified for its nonce: this one waits for its verifiers.
  if (state.kind === 'unverified' || state.kind === 'conflict') return { ...base, status: state.dvnSubmitted ? 'CONFIRMING' : 'INFLIGHT' };
  if (!state.executable) return { ...base, status: 'BLOCKED' };
  // Verified and executable: would executing it now succeed? A revert means the payload sits stored.
  try {
    await reader.simulateContract({ address: destination.deployment.layerZero.endpoint, abi: endpointV2Abi, functionName: 'lzReceive', args: [{ srcEid: packet.srcEid, sender: packet.sender, nonce: packet.nonce }, receiver, packet.guid, packet.message, '0x'] });
    return { ...base, status: 'VERIFIED' };
  } catch (error) {
    const decoded = decodeBallastError(error);
    return { ...base, status: 'PAYLOAD_STORED', revert: { error: decoded, data: revertData(error), message: decoded?.shortMessage ?? (error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)) } };
  }
}
