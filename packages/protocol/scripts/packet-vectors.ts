// Writes contracts/test/vectors/packet-v1.json: LayerZero v2 PacketV1 vectors produced by the TS codec,
// which `contracts/test/unit/PacketV1Vectors.t.sol` checks against LayerZero's own `PacketV1Codec` and
// `GUID`, and `packages/protocol/src/packet.test.ts` checks against the TS codec. Deterministic: every
// address and message is derived from keccak256 of a fixed label, so rerunning gives the same file.
//
//   pnpm exec tsx packages/protocol/scripts/packet-vectors.ts [--check]
//
// `--check` exits non-zero if the file on disk differs from what the codec produces now.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Address, type Hex, concat, keccak256, size, slice, stringToHex } from 'viem';
import { addressToBytes32, decodePacket, encodePacket, packetGuid } from '../src/packet.ts';
import type { PacketVector } from '../src/test-utils.ts';

const OUTPUT = fileURLToPath(new URL('../../../contracts/test/vectors/packet-v1.json', import.meta.url));
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT32 = 2 ** 32 - 1;

/** `length` bytes of keccak256(label ‖ counter) output, concatenated. */
function bytesFrom(label: string, length: number): Hex {
  if (length === 0) return '0x';
  const chunks: Hex[] = [];
  for (let counter = 0; chunks.length * 32 < length; counter++) chunks.push(keccak256(stringToHex(`${label}/${counter}`)));
  return slice(concat(chunks), 0, length);
}

/** A lower-case address: `addressToBytes32` keeps the case it is given, and the vectors stay lower-case hex. */
function addressFrom(label: string): Address {
  return bytesFrom(`address/${label}`, 20);
}

type CaseInput = {
  name: string;
  nonce: bigint;
  srcEid: number;
  sender: Hex;
  dstEid: number;
  receiver: Hex;
  message: Hex;
};

// Senders are always EVM addresses (Solidity's `Packet.sender` is an `address`); receivers may be a
// full bytes32 (a non-EVM OApp).
const inputs: CaseInput[] = [
  {
    name: 'first nonce, empty message',
    nonce: 1n,
    srcEid: 40_101,
    sender: addressToBytes32(addressFrom('home-vault')),
    dstEid: 40_102,
    receiver: addressToBytes32(addressFrom('remote-mirror')),
    message: '0x',
  },
  {
    name: 'max uint64 nonce, one-byte message',
    nonce: MAX_UINT64,
    srcEid: 30_101,
    sender: addressToBytes32(addressFrom('ethereum-oapp')),
    dstEid: 30_110,
    receiver: addressToBytes32(addressFrom('arbitrum-oapp')),
    message: '0x01',
  },
  {
    name: 'one 32-byte word',
    nonce: 2n,
    srcEid: 30_110,
    sender: addressToBytes32(addressFrom('arbitrum-oapp')),
    dstEid: 30_101,
    receiver: addressToBytes32(addressFrom('ethereum-oapp')),
    message: bytesFrom('message/word', 32),
  },
  {
    name: '200-byte message',
    nonce: 1_000n,
    srcEid: 40_161,
    sender: addressToBytes32(addressFrom('sepolia-vault')),
    dstEid: 40_231,
    receiver: addressToBytes32(addressFrom('arb-sepolia-mirror')),
    message: bytesFrom('message/long', 200),
  },
  {
    name: 'non-EVM bytes32 receiver',
    nonce: 7n,
    srcEid: 30_184,
    sender: addressToBytes32(addressFrom('base-oapp')),
    dstEid: 30_168,
    receiver: bytesFrom('receiver/solana-program', 32),
    message: bytesFrom('message/solana', 32),
  },
  {
    name: 'max uint32 eids, nonce 2^32',
    nonce: 2n ** 32n,
    srcEid: MAX_UINT32,
    sender: addressToBytes32(addressFrom('edge-sender')),
    dstEid: MAX_UINT32,
    receiver: addressToBytes32(addressFrom('edge-receiver')),
    message: bytesFrom('message/edge', 1),
  },
  {
    name: 'zero-address sender, all-ones receiver, nonce 2^63',
    nonce: 2n ** 63n,
    srcEid: 1,
    sender: addressToBytes32('0x0000000000000000000000000000000000000000'),
    dstEid: 2,
    receiver: `0x${'ff'.repeat(32)}`,
    message: bytesFrom('message/extremes', 200),
  },
  {
    name: '32 zero bytes (abi.encode(uint256(0)))',
    nonce: 123_456_789n,
    srcEid: 40_102,
    sender: addressToBytes32(addressFrom('remote-mirror')),
    dstEid: 40_101,
    receiver: addressToBytes32(addressFrom('home-vault')),
    message: `0x${'00'.repeat(32)}`,
  },
];

function vector(input: CaseInput): PacketVector {
  const guid = packetGuid(input);
  const encoded = encodePacket({ ...input, guid });
  const decoded = decodePacket(encoded);
  if (size(encoded) !== 113 + size(input.message)) throw new Error(`${input.name}: encoded size ${size(encoded)}`);
  if (encoded !== encoded.toLowerCase()) throw new Error(`${input.name}: encoded packet is not lower-case hex`);
  return {
    name: input.name,
    nonce: input.nonce.toString(),
    srcEid: input.srcEid,
    sender: input.sender,
    dstEid: input.dstEid,
    receiver: input.receiver,
    message: input.message,
    encoded,
    guid,
    header: decoded.header,
    payloadHash: decoded.payloadHash,
  };
}

function render(): string {
  const file = {
    description:
      'LayerZero v2 PacketV1 vectors: version u8 | nonce u64 | srcEid u32 | sender bytes32 | dstEid u32 | receiver bytes32 | guid | message. header = bytes [0:81], payloadHash = keccak256(bytes [81:]).',
    generator: 'pnpm exec tsx packages/protocol/scripts/packet-vectors.ts',
    cases: inputs.map(vector),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

const text = render();
if (process.argv.includes('--check')) {
  const current = await readFile(OUTPUT, 'utf8').catch(() => '');
  if (current !== text) {
    console.error(`${OUTPUT} is out of date: run pnpm exec tsx packages/protocol/scripts/packet-vectors.ts`);
    process.exit(1);
  }
  console.log(`${OUTPUT} is up to date (${inputs.length} cases)`);
} else {
  await writeFile(OUTPUT, text);
  console.log(`wrote ${inputs.length} cases to ${OUTPUT}`);
}
