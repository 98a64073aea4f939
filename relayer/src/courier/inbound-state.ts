// Where a packet stands on its destination, read from the endpoint and the receive library (the
// same logic as LayerZero's EndpointV2View / ReceiveUln302View, without deploying them). The courier
// reads this before every step so repeated work is skipped and an executed packet counts as done.
import { endpointV2Abi, receiveUln302Abi } from '@ballast/abi';
import { type DecodedPacket, bytes32ToAddress } from '@ballast/protocol';
import { type Hex, keccak256, zeroHash } from 'viem';
import type { ChainConnection } from '../chains.ts';

const NIL_PAYLOAD_HASH: Hex = `0x${'f'.repeat(64)}`;

export type InboundState =
  /** Not verified on the endpoint yet; `dvnSubmitted` says whether our DVN already signed it into the ULN. */
  | { kind: 'unverified'; dvnSubmitted: boolean }
  /** Verified; executable once every earlier nonce is verified too. */
  | { kind: 'verified'; executable: boolean }
  | { kind: 'executed' }
  /** Another payload is verified for this nonce. */
  | { kind: 'conflict'; storedHash: Hex };

export async function readInboundState(destination: ChainConnection, packet: DecodedPacket): Promise<InboundState> {
  const { endpoint, receiveUln302, dvn } = destination.deployment.layerZero;
  const receiver = bytes32ToAddress(packet.receiver);
  const path = [receiver, packet.srcEid, packet.sender] as const;
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
  if (storedHash !== packet.payloadHash) return { kind: 'conflict', storedHash };
  return { kind: 'verified', executable: packet.nonce <= inboundNonce };
}
