// LayerZero v2 PacketV1 codec, byte-exact with the protocol's `PacketV1Codec.sol`:
// [0] version=1 · [1:9] nonce u64 · [9:13] srcEid u32 · [13:45] sender bytes32 · [45:49] dstEid u32 ·
// [49:81] receiver bytes32 · [81:113] guid · [113:] message. The header is [0:81]; the payload is
// guid ‖ message and its keccak is what DVNs verify and the endpoint stores.
import { type Address, type Hex, concat, encodePacked, getAddress, hexToBigInt, hexToNumber, keccak256, pad, size, slice } from 'viem';
import { BallastError } from './errors.ts';

export const PACKET_VERSION = 1;
const HEADER_SIZE = 81;
const PAYLOAD_OFFSET = 81;
const MESSAGE_OFFSET = 113;

export type Packet = {
  nonce: bigint;
  srcEid: number;
  /** Sending OApp, left-padded to 32 bytes. */
  sender: Hex;
  dstEid: number;
  /** Receiving OApp, left-padded to 32 bytes. */
  receiver: Hex;
  guid: Hex;
  message: Hex;
};

export type DecodedPacket = Packet & {
  /** Bytes [0:81]: what `ReceiveUln302.verify` and `commitVerification` take. */
  header: Hex;
  /** keccak256(guid ‖ message): what DVNs verify and the endpoint stores per nonce. */
  payloadHash: Hex;
};

export class PacketDecodeError extends BallastError {
  override name = 'PacketDecodeError';
  constructor(reason: string, packet: Hex) {
    super(`Not a LayerZero PacketV1: ${reason}.`, {
      details: `packet (${size(packet)} bytes): ${packet.slice(0, 240)}${packet.length > 240 ? '…' : ''}`,
      docsPath: 'DEVNET.md#packets',
    });
  }
}

/** Left-pads an address to the bytes32 form LayerZero uses for peers, senders and receivers. */
export function addressToBytes32(address: Address): Hex {
  return pad(address.toLowerCase() as Address, { size: 32 });
}

/** The address in the low 20 bytes of a bytes32 peer. */
export function bytes32ToAddress(value: Hex): Address {
  return getAddress(slice(value, 12, 32));
}

/** The packet GUID: keccak256(nonce u64 ‖ srcEid u32 ‖ sender ‖ dstEid u32 ‖ receiver). */
export function packetGuid(packet: Pick<Packet, 'nonce' | 'srcEid' | 'sender' | 'dstEid' | 'receiver'>): Hex {
  return keccak256(
    encodePacked(
      ['uint64', 'uint32', 'bytes32', 'uint32', 'bytes32'],
      [packet.nonce, packet.srcEid, packet.sender, packet.dstEid, packet.receiver],
    ),
  );
}

export function encodePacket(packet: Packet): Hex {
  return concat([
    encodePacked(
      ['uint8', 'uint64', 'uint32', 'bytes32', 'uint32', 'bytes32', 'bytes32'],
      [PACKET_VERSION, packet.nonce, packet.srcEid, packet.sender, packet.dstEid, packet.receiver, packet.guid],
    ),
    packet.message,
  ]);
}

/** Decodes a PacketV1 (any hex case in; lower-case hex out) and checks its GUID against its header. */
export function decodePacket(input: Hex): DecodedPacket {
  const encoded = input.toLowerCase() as Hex;
  if (size(encoded) < MESSAGE_OFFSET) throw new PacketDecodeError(`shorter than ${MESSAGE_OFFSET} bytes`, encoded);
  const version = hexToNumber(slice(encoded, 0, 1));
  if (version !== PACKET_VERSION) throw new PacketDecodeError(`version ${version}, expected ${PACKET_VERSION}`, encoded);
  const packet: DecodedPacket = {
    nonce: hexToBigInt(slice(encoded, 1, 9)),
    srcEid: hexToNumber(slice(encoded, 9, 13)),
    sender: slice(encoded, 13, 45),
    dstEid: hexToNumber(slice(encoded, 45, 49)),
    receiver: slice(encoded, 49, 81),
    guid: slice(encoded, 81, 113),
    message: size(encoded) === MESSAGE_OFFSET ? '0x' : slice(encoded, MESSAGE_OFFSET),
    header: slice(encoded, 0, HEADER_SIZE),
    payloadHash: keccak256(slice(encoded, PAYLOAD_OFFSET)),
  };
  if (packetGuid(packet) !== packet.guid) throw new PacketDecodeError('GUID does not match its header', encoded);
  return packet;
}
