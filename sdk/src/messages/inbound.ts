// Where a packet stands on its destination, read from the endpoint and the receive library (the logic of
// LayerZero's EndpointV2View / ReceiveUln302View, without deploying them): the one status reader that
// `getMessage` words in LayerZero Scan's vocabulary and the relayer's courier and keeper act on.
import { endpointV2Abi, receiveUln302Abi } from '../abi.generated.ts';
import { type ChainDeployment, type DecodedPacket, bytes32ToAddress } from '@ballast/protocol/core';
import { type Chain, type Hex, type PublicClient, type Transport, keccak256, zeroHash } from 'viem';

const NIL_PAYLOAD_HASH: Hex = `0x${'f'.repeat(64)}`;

/** A packet's state on its destination chain. */
export type InboundState =
  /** Not verified on the endpoint yet; `dvnSubmitted`: the deployment's DVN has signed it into the receive library. */
  | { kind: 'unverified'; dvnSubmitted: boolean }
  /** Verified; `executable` once every earlier nonce of its pathway is verified too. */
  | { kind: 'verified'; executable: boolean }
  | { kind: 'executed' }
  /** Another payload is verified for this nonce; `dvnSubmitted` as for `unverified`. */
  | { kind: 'conflict'; storedHash: Hex; dvnSubmitted: boolean };

/** What `readInboundState` reads through: the destination's deployment and a public client of it. */
export type InboundReader = { deployment: ChainDeployment; publicClient: PublicClient<Transport, Chain> };

/**
 * Reads where `packet` stands on `destination` (one round trip of four views).
 *
 * @example
 * const state = await readInboundState(client.ballast.chains.get(packet.dstEid), packet);
 * if (state.kind === 'executed') …
 */
export async function readInboundState(destination: InboundReader, packet: DecodedPacket): Promise<InboundState> {
  const { endpoint, receiveUln302, dvn } = destination.deployment.layerZero;
  const path = [bytes32ToAddress(packet.receiver), packet.srcEid, packet.sender] as const;
  const client = destination.publicClient;
  const [storedHash, lazyNonce, inboundNonce, verification] = await Promise.all([
    client.readContract({ address: endpoint, abi: endpointV2Abi, functionName: 'inboundPayloadHash', args: [...path, packet.nonce] }),
    client.readContract({ address: endpoint, abi: endpointV2Abi, functionName: 'lazyInboundNonce', args: path }),
    client.readContract({ address: endpoint, abi: endpointV2Abi, functionName: 'inboundNonce', args: path }),
    client.readContract({ address: receiveUln302, abi: receiveUln302Abi, functionName: 'hashLookup', args: [keccak256(packet.header), packet.payloadHash, dvn] }),
  ]);
  if (storedHash === zeroHash) {
    if (packet.nonce <= lazyNonce) return { kind: 'executed' };
    return { kind: 'unverified', dvnSubmitted: verification[0] };
  }
  if (storedHash === NIL_PAYLOAD_HASH) return { kind: 'unverified', dvnSubmitted: verification[0] };
  if (storedHash.toLowerCase() !== packet.payloadHash.toLowerCase()) return { kind: 'conflict', storedHash, dvnSubmitted: verification[0] };
  return { kind: 'verified', executable: packet.nonce <= inboundNonce };
}
