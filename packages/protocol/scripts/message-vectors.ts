// Writes contracts/test/vectors/messages.json: Ballast message vectors produced by the TS codec
// (packages/protocol/src/messages.ts), which `contracts/test/unit/MsgCodec.t.sol` checks against
// `MsgCodec.sol` and `packages/protocol/src/messages.test.ts` checks against the TS codec. Four cases
// per type: all zero, all max, typical values, and "distinct bytes" (every field byte differs, so a
// wrong offset or byte order cannot pass). Deterministic: addresses come from keccak256 of fixed labels.
//
//   pnpm exec tsx packages/protocol/scripts/message-vectors.ts [--check]
//
// `--check` exits non-zero if the file on disk differs from what the codec produces now.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Address, type Hex, bytesToHex, getAddress, hexToBigInt, hexToNumber, keccak256, maxUint64, maxUint128, size, slice, stringToHex } from 'viem';
import {
  type BallastMessage,
  MESSAGE_SIZES,
  MESSAGE_TYPES,
  MESSAGE_VERSION,
  RELEASE_REASONS,
  decodeMessage,
  encodeMessage,
} from '../src/messages.ts';

const OUTPUT = fileURLToPath(new URL('../../../contracts/test/vectors/messages.json', import.meta.url));
const GENERATOR = 'pnpm exec tsx packages/protocol/scripts/message-vectors.ts';

const ZERO: Address = '0x0000000000000000000000000000000000000000';
const MAX_ADDRESS: Address = getAddress(`0x${'ff'.repeat(20)}`);
const E18 = 10n ** 18n;

function addressFrom(label: string): Address {
  return getAddress(slice(keccak256(stringToHex(`address/${label}`)), 12, 32));
}

/** Consecutive bytes from a running counter, so no two fields share a byte pattern. */
function distinctBytes(): (length: number) => Hex {
  let next = 0x11;
  return (length) => {
    const bytes = new Uint8Array(length);
    for (let index = 0; index < length; index++) bytes[index] = next++ & 0xff;
    return bytesToHex(bytes);
  };
}

function distinct(build: (take: (length: number) => Hex) => BallastMessage): BallastMessage {
  return build(distinctBytes());
}

const alice = addressFrom('alice');
const bob = addressFrom('bob');
const liquidator = addressFrom('liquidator');
const weth = addressFrom('weth');

const cases: { name: string; message: BallastMessage }[] = [
  // GRANT
  { name: 'grant: all zero', message: { type: 'grant', account: ZERO, receiver: ZERO, amount: 0n, deadline: 0n, grantId: 0n } },
  {
    name: 'grant: all max',
    message: { type: 'grant', account: MAX_ADDRESS, receiver: MAX_ADDRESS, amount: maxUint128, deadline: maxUint64, grantId: maxUint64 },
  },
  {
    name: 'grant: 25,000 USD to a different receiver',
    message: { type: 'grant', account: alice, receiver: bob, amount: 25_000n * E18, deadline: 1_767_225_600n, grantId: 42n },
  },
  {
    name: 'grant: distinct bytes',
    message: distinct((take) => ({
      type: 'grant',
      account: getAddress(take(20)),
      receiver: getAddress(take(20)),
      amount: hexToBigInt(take(16)),
      deadline: hexToBigInt(take(8)),
      grantId: hexToBigInt(take(8)),
    })),
  },
  // RECALL
  { name: 'recall: all zero', message: { type: 'recall', account: ZERO, amount: 0n, recallId: 0n } },
  { name: 'recall: all max', message: { type: 'recall', account: MAX_ADDRESS, amount: maxUint128, recallId: maxUint64 } },
  { name: 'recall: 1,234.5 USD', message: { type: 'recall', account: alice, amount: 1_234_500_000_000_000_000_000n, recallId: 7n } },
  {
    name: 'recall: distinct bytes',
    message: distinct((take) => ({ type: 'recall', account: getAddress(take(20)), amount: hexToBigInt(take(16)), recallId: hexToBigInt(take(8)) })),
  },
  // LIQUIDATABLE
  { name: 'liquidatable: all zero', message: { type: 'liquidatable', account: ZERO, epoch: 0n, closeFactorBps: 0 } },
  { name: 'liquidatable: all max', message: { type: 'liquidatable', account: MAX_ADDRESS, epoch: maxUint64, closeFactorBps: 65_535 } },
  { name: 'liquidatable: close factor 50%', message: { type: 'liquidatable', account: alice, epoch: 3n, closeFactorBps: 5_000 } },
  {
    name: 'liquidatable: distinct bytes',
    message: distinct((take) => ({
      type: 'liquidatable',
      account: getAddress(take(20)),
      epoch: hexToBigInt(take(8)),
      closeFactorBps: hexToNumber(take(2)),
    })),
  },
  // CLEAR
  { name: 'clear: all zero', message: { type: 'clear', account: ZERO, epoch: 0n } },
  { name: 'clear: all max', message: { type: 'clear', account: MAX_ADDRESS, epoch: maxUint64 } },
  { name: 'clear: epoch 4', message: { type: 'clear', account: alice, epoch: 4n } },
  { name: 'clear: distinct bytes', message: distinct((take) => ({ type: 'clear', account: getAddress(take(20)), epoch: hexToBigInt(take(8)) })) },
  // BAD_DEBT
  { name: 'badDebt: all zero', message: { type: 'badDebt', account: ZERO, epoch: 0n, amount: 0n } },
  { name: 'badDebt: all max', message: { type: 'badDebt', account: MAX_ADDRESS, epoch: maxUint64, amount: maxUint128 } },
  { name: 'badDebt: 1 wei of credit', message: { type: 'badDebt', account: alice, epoch: 5n, amount: 1n } },
  {
    name: 'badDebt: distinct bytes',
    message: distinct((take) => ({ type: 'badDebt', account: getAddress(take(20)), epoch: hexToBigInt(take(8)), amount: hexToBigInt(take(16)) })),
  },
  // RELEASE (one case per reason)
  { name: 'release: all zero (voluntary)', message: { type: 'release', account: ZERO, amount: 0n, reason: 'voluntary' } },
  { name: 'release: all max (liquidation)', message: { type: 'release', account: MAX_ADDRESS, amount: maxUint128, reason: 'liquidation' } },
  { name: 'release: recalled 1,000 USD', message: { type: 'release', account: alice, amount: 1_000n * E18, reason: 'recalled' } },
  {
    name: 'release: distinct bytes (grant expired)',
    message: distinct((take) => ({ type: 'release', account: getAddress(take(20)), amount: hexToBigInt(take(16)), reason: 'grantExpired' })),
  },
  // USAGE
  { name: 'usage: all zero', message: { type: 'usage', account: ZERO, drawn: 0n, line: 0n, seq: 0n } },
  { name: 'usage: all max', message: { type: 'usage', account: MAX_ADDRESS, drawn: maxUint128, line: maxUint128, seq: maxUint64 } },
  { name: 'usage: 60% drawn', message: { type: 'usage', account: alice, drawn: 15_000n * E18, line: 25_000n * E18, seq: 12n } },
  {
    name: 'usage: distinct bytes',
    message: distinct((take) => ({
      type: 'usage',
      account: getAddress(take(20)),
      drawn: hexToBigInt(take(16)),
      line: hexToBigInt(take(16)),
      seq: hexToBigInt(take(8)),
    })),
  },
  // SEIZE
  {
    name: 'seize: all zero',
    message: { type: 'seize', account: ZERO, liquidator: ZERO, asset: ZERO, repaid: 0n, epoch: 0n, seizeId: 0n },
  },
  {
    name: 'seize: all max',
    message: { type: 'seize', account: MAX_ADDRESS, liquidator: MAX_ADDRESS, asset: MAX_ADDRESS, repaid: maxUint128, epoch: maxUint64, seizeId: maxUint64 },
  },
  {
    name: 'seize: in the vault order (asset zero)',
    message: { type: 'seize', account: alice, liquidator, asset: ZERO, repaid: 5_000n * E18, epoch: 3n, seizeId: 1n },
  },
  {
    name: 'seize: distinct bytes',
    message: distinct((take) => ({
      type: 'seize',
      account: getAddress(take(20)),
      liquidator: getAddress(take(20)),
      asset: getAddress(take(20)),
      repaid: hexToBigInt(take(16)),
      epoch: hexToBigInt(take(8)),
      seizeId: hexToBigInt(take(8)),
    })),
  },
  {
    name: 'seize: WETH for 250 USD repaid',
    message: { type: 'seize', account: bob, liquidator, asset: weth, repaid: 250n * E18, epoch: 9n, seizeId: 2n },
  },
  // HEARTBEAT
  { name: 'heartbeat: zero timestamp', message: { type: 'heartbeat', timestamp: 0n } },
  { name: 'heartbeat: max timestamp', message: { type: 'heartbeat', timestamp: maxUint64 } },
  { name: 'heartbeat: 2026-01-01', message: { type: 'heartbeat', timestamp: 1_767_225_600n } },
  { name: 'heartbeat: distinct bytes', message: distinct((take) => ({ type: 'heartbeat', timestamp: hexToBigInt(take(8)) })) },
];

type JsonField = string | number;
type MessageVector = {
  name: string;
  type: BallastMessage['type'];
  typeId: number;
  size: number;
  /** u64/u128 as decimal strings, u16 and the release reason (its wire byte) as numbers, addresses checksummed. */
  fields: Record<string, JsonField>;
  encoded: Hex;
};

function jsonFields(message: BallastMessage): Record<string, JsonField> {
  const fields: Record<string, JsonField> = {};
  for (const [key, value] of Object.entries(message)) {
    if (key === 'type') continue;
    if (typeof value === 'bigint') fields[key] = value.toString();
    else if (key === 'reason') fields[key] = RELEASE_REASONS.indexOf(value as (typeof RELEASE_REASONS)[number]);
    else fields[key] = value as JsonField;
  }
  return fields;
}

function vector({ name, message }: (typeof cases)[number]): MessageVector {
  const encoded = encodeMessage(message);
  const expectedSize = MESSAGE_SIZES[message.type];
  if (size(encoded) !== expectedSize) throw new Error(`${name}: encoded size ${size(encoded)}, expected ${expectedSize}`);
  if (encoded !== encoded.toLowerCase()) throw new Error(`${name}: encoded message is not lower-case hex`);
  if (JSON.stringify(jsonFields(decodeMessage(encoded))) !== JSON.stringify(jsonFields(message))) {
    throw new Error(`${name}: does not round-trip`);
  }
  return {
    name,
    type: message.type,
    typeId: MESSAGE_TYPES[message.type],
    size: expectedSize,
    fields: jsonFields(message),
    encoded,
  };
}

function render(): string {
  const names = new Set(cases.map((entry) => entry.name));
  if (names.size !== cases.length) throw new Error('two cases share a name');
  const file = {
    description:
      'Ballast message vectors (MsgCodec.sol = messages.ts): version u8 | type u8 | account address | fields, big-endian and tightly packed; one fixed size per type. Layouts: docs/PROTOCOL.md#messages.',
    generator: GENERATOR,
    version: MESSAGE_VERSION,
    cases: cases.map(vector),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

const text = render();
if (process.argv.includes('--help')) {
  console.log(`usage: ${GENERATOR} [--check]\n\nWrites ${OUTPUT}; --check exits 1 if the file differs from what the codec produces.`);
} else if (process.argv.includes('--check')) {
  const current = await readFile(OUTPUT, 'utf8').catch(() => '');
  if (current !== text) {
    console.error(`${OUTPUT} is out of date: run ${GENERATOR}`);
    process.exit(1);
  }
  console.log(`${OUTPUT} is up to date (${cases.length} cases)`);
} else {
  await writeFile(OUTPUT, text);
  console.log(`wrote ${cases.length} cases to ${OUTPUT}`);
}
