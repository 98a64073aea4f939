import { type Address, type Hex, concat, getAddress, keccak256, size, slice, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import vectorFile from '../../../contracts/test/vectors/packet-v1.json' with { type: 'json' };
import { BallastError } from './errors.ts';
import {
  type Packet,
  PACKET_VERSION,
  PacketDecodeError,
  addressToBytes32,
  bytes32ToAddress,
  decodePacket,
  encodePacket,
  packetGuid,
} from './packet.ts';
import { type PacketVector as Vector, thrown } from './test-utils.ts';


const vectors = vectorFile.cases as Vector[];
const MAX_UINT64 = 2n ** 64n - 1n;

function packetOf(vector: Vector): Packet {
  return {
    nonce: BigInt(vector.nonce),
    srcEid: vector.srcEid,
    sender: vector.sender,
    dstEid: vector.dstEid,
    receiver: vector.receiver,
    guid: vector.guid,
    message: vector.message,
  };
}

/** Asserts `fn` throws a PacketDecodeError whose short message is `Not a LayerZero PacketV1: <reason>.` */
function expectDecodeError(fn: () => unknown, reason: string): PacketDecodeError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(PacketDecodeError);
  expect(error).toBeInstanceOf(BallastError);
  const decodeError = error as PacketDecodeError;
  expect(decodeError.name).toBe('PacketDecodeError');
  expect(decodeError.shortMessage).toBe(`Not a LayerZero PacketV1: ${reason}.`);
  expect(decodeError.message).toContain(reason);
  expect(decodeError.docsPath).toBe('DEVNET.md#packets');
  return decodeError;
}

/** `encoded` with byte `index` replaced by `byte`. */
function withByte(encoded: Hex, index: number, byte: number): Hex {
  const tail = index + 1 < size(encoded) ? slice(encoded, index + 1) : '0x';
  return concat([index === 0 ? '0x' : slice(encoded, 0, index), toHex(byte, { size: 1 }), tail]);
}

function flipByte(encoded: Hex, index: number): Hex {
  return withByte(encoded, index, Number.parseInt(slice(encoded, index, index + 1).slice(2), 16) ^ 0xff);
}

describe('shared PacketV1 vectors (contracts/test/vectors/packet-v1.json)', () => {
  it('cover nonce 1 and 2^64-1 and messages of 0, 1, 32 and 200 bytes', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(8);
    const nonces = vectors.map((vector) => BigInt(vector.nonce));
    expect(nonces).toContain(1n);
    expect(nonces).toContain(MAX_UINT64);
    const lengths = new Set(vectors.map((vector) => size(vector.message)));
    for (const length of [0, 1, 32, 200]) expect(lengths).toContain(length);
    expect(new Set(vectors.map((vector) => vector.name)).size).toBe(vectors.length);
  });

  it('are lower-case hex of the right sizes', () => {
    for (const vector of vectors) {
      for (const field of ['sender', 'receiver', 'message', 'encoded', 'guid', 'header', 'payloadHash'] as const) {
        expect(vector[field], `${vector.name}: ${field}`).toMatch(/^0x([0-9a-f]{2})*$/);
      }
      expect(size(vector.sender)).toBe(32);
      expect(size(vector.receiver)).toBe(32);
      expect(size(vector.guid)).toBe(32);
      expect(size(vector.header)).toBe(81);
      expect(size(vector.payloadHash)).toBe(32);
      expect(size(vector.encoded)).toBe(113 + size(vector.message));
    }
  });

  describe.each(vectors.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
    it('packetGuid gives the vector guid', () => {
      expect(packetGuid(packetOf(vector))).toBe(vector.guid);
    });

    it('encodePacket gives the vector bytes', () => {
      expect(encodePacket(packetOf(vector))).toBe(vector.encoded);
    });

    it('decodePacket gives every field, the header and the payload hash', () => {
      expect(decodePacket(vector.encoded)).toEqual({
        ...packetOf(vector),
        header: vector.header,
        payloadHash: vector.payloadHash,
      });
    });

    it('header is bytes [0:81] and payloadHash is keccak256 of bytes [81:]', () => {
      expect(slice(vector.encoded, 0, 81)).toBe(vector.header);
      expect(keccak256(slice(vector.encoded, 81))).toBe(vector.payloadHash);
      expect(keccak256(concat([vector.guid, vector.message]))).toBe(vector.payloadHash);
    });
  });
});

describe('encodePacket / decodePacket', () => {
  const base = {
    nonce: 42n,
    srcEid: 40_101,
    sender: addressToBytes32('0x1111111111111111111111111111111111111111'),
    dstEid: 40_102,
    receiver: addressToBytes32('0x2222222222222222222222222222222222222222'),
  };

  it('round-trips packets with extreme fields and assorted messages', () => {
    const cases = [
      { ...base, message: '0x' as Hex },
      { ...base, nonce: 0n, srcEid: 0, dstEid: 0, message: '0x00' as Hex },
      { ...base, nonce: MAX_UINT64, srcEid: 2 ** 32 - 1, dstEid: 2 ** 32 - 1, message: toHex(new Uint8Array(1_000).fill(0xab)) },
      { ...base, receiver: `0x${'ff'.repeat(32)}` as Hex, message: keccak256('0x01') },
    ];
    for (const fields of cases) {
      const packet: Packet = { ...fields, guid: packetGuid(fields) };
      const encoded = encodePacket(packet);
      expect(size(encoded)).toBe(113 + size(fields.message));
      const decoded = decodePacket(encoded);
      expect(decoded).toMatchObject(packet);
      expect(decoded.header).toBe(slice(encoded, 0, 81));
      expect(decoded.payloadHash).toBe(keccak256(concat([packet.guid, packet.message])));
      expect(encodePacket(decoded)).toBe(encoded);
    }
  });

  it('decodes exactly 113 bytes as an empty message', () => {
    const packet: Packet = { ...base, guid: packetGuid(base), message: '0x' };
    const encoded = encodePacket(packet);
    expect(size(encoded)).toBe(113);
    expect(decodePacket(encoded).message).toBe('0x');
    expect(decodePacket(encoded).payloadHash).toBe(keccak256(packet.guid));
  });

  it('writes the version byte first', () => {
    const encoded = encodePacket({ ...base, guid: packetGuid(base), message: '0x' });
    expect(slice(encoded, 0, 1)).toBe(toHex(PACKET_VERSION, { size: 1 }));
    expect(PACKET_VERSION).toBe(1);
  });

  it('changes the guid when any header field changes', () => {
    const guid = packetGuid(base);
    expect(packetGuid({ ...base, nonce: base.nonce + 1n })).not.toBe(guid);
    expect(packetGuid({ ...base, srcEid: base.srcEid + 1 })).not.toBe(guid);
    expect(packetGuid({ ...base, sender: base.receiver })).not.toBe(guid);
    expect(packetGuid({ ...base, dstEid: base.dstEid + 1 })).not.toBe(guid);
    expect(packetGuid({ ...base, receiver: base.sender })).not.toBe(guid);
  });

  it('rejects input shorter than the 113-byte header + guid', () => {
    const [first] = vectors;
    if (!first) throw new Error('no vectors');
    expectDecodeError(() => decodePacket('0x'), 'shorter than 113 bytes');
    expectDecodeError(() => decodePacket('0x01'), 'shorter than 113 bytes');
    const error = expectDecodeError(() => decodePacket(slice(first.encoded, 0, 112)), 'shorter than 113 bytes');
    expect(error.details).toMatch(/^packet \(112 bytes\): 0x01/);
    // The header alone (no guid) is not a packet either.
    expectDecodeError(() => decodePacket(first.header), 'shorter than 113 bytes');
  });

  it('rejects a version other than 1', () => {
    for (const vector of vectors.slice(0, 3)) {
      expectDecodeError(() => decodePacket(withByte(vector.encoded, 0, 2)), 'version 2, expected 1');
      expectDecodeError(() => decodePacket(withByte(vector.encoded, 0, 0)), 'version 0, expected 1');
      expectDecodeError(() => decodePacket(withByte(vector.encoded, 0, 0xff)), 'version 255, expected 1');
    }
  });

  it('rejects a guid that does not match the header', () => {
    for (const vector of vectors) {
      // Any guid byte, and the header fields the guid commits to.
      for (const index of [81, 100, 112]) {
        expectDecodeError(() => decodePacket(flipByte(vector.encoded, index)), 'GUID does not match its header');
      }
      for (const [field, index] of [['nonce', 8], ['srcEid', 12], ['sender', 44], ['dstEid', 48], ['receiver', 80]] as const) {
        const tampered = flipByte(vector.encoded, index);
        expect(() => decodePacket(tampered), `${vector.name}: ${field}`).toThrow(PacketDecodeError);
      }
    }
  });

  it('truncates a long packet in the error details', () => {
    const long = vectors.find((vector) => size(vector.message) === 200);
    if (!long) throw new Error('no 200-byte vector');
    const error = expectDecodeError(() => decodePacket(flipByte(long.encoded, 81)), 'GUID does not match its header');
    expect(error.details).toMatch(/^packet \(313 bytes\): 0x[0-9a-f]{238}…$/);
  });

  it('accepts a changed message (the guid does not cover it) but the payload hash moves', () => {
    const vector = vectors.find((candidate) => size(candidate.message) === 32);
    if (!vector) throw new Error('no 32-byte vector');
    const decoded = decodePacket(flipByte(vector.encoded, 113));
    expect(decoded.guid).toBe(vector.guid);
    expect(decoded.header).toBe(vector.header);
    expect(decoded.payloadHash).not.toBe(vector.payloadHash);
  });
});

describe('addressToBytes32 / bytes32ToAddress', () => {
  const addresses: Address[] = [
    '0x0000000000000000000000000000000000000000',
    '0x0000000000000000000000000000000000000001',
    '0xffffffffffffffffffffffffffffffffffffffff',
    '0xd8da6bf26964af9d7eed9e03e53415d37aa96045',
  ];

  it('left-pads to 32 bytes and reads back the checksummed address', () => {
    for (const address of addresses) {
      const bytes32 = addressToBytes32(address);
      expect(size(bytes32)).toBe(32);
      expect(bytes32).toBe(`0x${'00'.repeat(12)}${address.slice(2)}`);
      expect(bytes32ToAddress(bytes32)).toBe(getAddress(address));
    }
    expect(bytes32ToAddress(addressToBytes32('0xd8da6bf26964af9d7eed9e03e53415d37aa96045'))).toBe(
      '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045',
    );
  });

  it('round-trips a checksummed address, ignoring hex case', () => {
    const checksummed = getAddress('0xd8da6bf26964af9d7eed9e03e53415d37aa96045');
    const bytes32 = addressToBytes32(checksummed);
    expect(bytes32.toLowerCase()).toBe(`0x${'00'.repeat(12)}d8da6bf26964af9d7eed9e03e53415d37aa96045`);
    expect(bytes32ToAddress(bytes32)).toBe(checksummed);
  });

  it('reads the vector senders back as addresses', () => {
    for (const vector of vectors) {
      expect(addressToBytes32(bytes32ToAddress(vector.sender)).toLowerCase()).toBe(vector.sender);
    }
  });

  it('keeps only the low 20 bytes of a non-EVM bytes32', () => {
    const value = `0x${'ab'.repeat(12)}${'cd'.repeat(20)}` as Hex;
    expect(bytes32ToAddress(value)).toBe(getAddress(`0x${'cd'.repeat(20)}`));
  });
});
