// Finding a LayerZero packet by its GUID: from the sending transaction when the caller has it (one
// receipt), else by scanning every chain's endpoint for `PacketSent` from a block on. The packet says
// where it goes; the rest of message tracking reads the destination.
import { endpointV2Abi } from '../abi.generated.ts';
import { type DecodedPacket, decodePacket } from '@ballast/protocol/core';
import { type Hash, type Hex, type Log, parseEventLogs } from 'viem';
import type { BallastBaseClient, BallastChainConnection } from '../client.ts';
import { MessageTrackingError } from '../errors/client.ts';

export type MessageLocator = {
  guid: Hex;
  /** The chain the message left from; every chain is searched without it. */
  srcEid?: number;
  /** The transaction that sent it (what the SDK's writes return): one receipt instead of a log scan. */
  transactionHash?: Hash;
  /** First block to scan for `PacketSent` without a transaction hash. @defaultValue the chain's `startBlock` */
  fromBlock?: bigint;
};

export type LocatedPacket = { packet: DecodedPacket; source: BallastChainConnection; options: Hex; transactionHash: Hash; blockNumber: bigint };

function packetIn(logs: readonly Log[], guid: Hex): { packet: DecodedPacket; options: Hex; log: Log } | undefined {
  for (const log of parseEventLogs({ abi: endpointV2Abi, logs: [...logs], eventName: 'PacketSent' })) {
    const packet = decodePacket(log.args.encodedPayload);
    if (packet.guid.toLowerCase() === guid.toLowerCase()) return { packet, options: log.args.options, log };
  }
  return undefined;
}

/** The packet with `guid` and where it was sent; throws `MessageTrackingError` when no chain has it. */
export async function locatePacket(client: BallastBaseClient, { guid, srcEid, transactionHash, fromBlock }: MessageLocator): Promise<LocatedPacket> {
  const sources = srcEid === undefined ? [...client.ballast.chains.values()] : [client.ballast.chains.get(srcEid)].filter((chain) => chain !== undefined);
  for (const source of sources) {
    const endpoint = source.deployment.layerZero.endpoint;
    let logs: readonly Log[];
    if (transactionHash) {
      const receipt = await source.publicClient.getTransactionReceipt({ hash: transactionHash }).catch(() => undefined);
      if (!receipt) continue;
      logs = receipt.logs.filter((log) => log.address.toLowerCase() === endpoint.toLowerCase());
    } else {
      logs = await source.publicClient.getLogs({ address: endpoint, fromBlock: fromBlock ?? BigInt(source.deployment.startBlock), toBlock: 'latest' });
    }
    const found = packetIn(logs, guid);
    if (found) return { packet: found.packet, options: found.options, source, transactionHash: found.log.transactionHash as Hash, blockNumber: found.log.blockNumber as bigint };
  }
  throw new MessageTrackingError(`No message with GUID ${guid} was sent on ${srcEid === undefined ? 'any chain of the deployments' : `chain ${srcEid}`}${transactionHash ? ` in transaction ${transactionHash}` : ''}.`, {
    details: 'Pass the GUID a write returned, with its transaction hash, or a fromBlock at or before the send.',
  });
}
