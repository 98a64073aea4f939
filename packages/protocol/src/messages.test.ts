import { type Address, type Hex, concat, getAddress, maxUint64, maxUint128, size, slice, toHex, zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import vectorFile from '../../../contracts/test/vectors/messages.json' with { type: 'json' };
import { BallastError } from './errors.ts';
import {
  type BallastMessage,
  MESSAGE_HEADER_SIZE,
  MESSAGE_SIZES,
  MESSAGE_TYPES,
  MESSAGE_VERSION,
  MessageDecodeError,
  MessageEncodeError,
  type MessageType,
  RELEASE_REASONS,
  type ReleaseReason,
  decodeMessage,
  encodeMessage,
  messageSize,
  messageTypeOf,
} from './messages.ts';
import { thrown } from './test-utils.ts';

type Vector = {
  name: string;
  type: string;
  typeId: number;
  size: number;
  fields: Record<string, string | number>;
  encoded: Hex;
};

const vectors = vectorFile.cases as unknown as Vector[];
const TYPES = Object.keys(MESSAGE_TYPES) as MessageType[];

/**
 * The spec's layout (docs/PROTOCOL.md#messages), written out again as the test oracle: fields after
 * the header in wire order, with their width in bytes. Heartbeat's header account is always zero.
 */
const SPEC: Record<MessageType, [field: string, bytes: number][]> = {
  grant: [['receiver', 20], ['amount', 16], ['deadline', 8], ['grantId', 8]],
  recall: [['amount', 16], ['recallId', 8]],
  liquidatable: [['epoch', 8], ['closeFactorBps', 2]],
  clear: [['epoch', 8]],
  badDebt: [['epoch', 8], ['amount', 16]],
  release: [['amount', 16], ['reason', 1]],
  usage: [['drawn', 16], ['line', 16], ['seq', 8]],
  seize: [['liquidator', 20], ['asset', 20], ['repaid', 16], ['epoch', 8], ['seizeId', 8]],
  heartbeat: [['timestamp', 8]],
};

/** The vector's fields as the TS message: decimal strings to bigint, the reason byte to its name. */
function messageOf(vector: Vector): BallastMessage {
  const message: Record<string, unknown> = { type: vector.type };
  for (const [key, value] of Object.entries(vector.fields)) {
    if (key === 'reason') message[key] = RELEASE_REASONS[value as number];
    else if (key === 'closeFactorBps') message[key] = value;
    else if (typeof value === 'string' && value.startsWith('0x')) message[key] = value;
    else message[key] = BigInt(value);
  }
  return message as BallastMessage;
}

/** Encodes by the spec table, independently of the codec: each field as fixed-width big-endian hex. */
function referenceEncoding(message: BallastMessage): Hex {
  const fields = message as unknown as Record<string, unknown>;
  const parts: Hex[] = [
    toHex(MESSAGE_VERSION, { size: 1 }),
    toHex(MESSAGE_TYPES[message.type], { size: 1 }),
    message.type === 'heartbeat' ? zeroAddress : (fields.account as Hex),
  ];
  for (const [field, bytes] of SPEC[message.type]) {
    const value = fields[field];
    if (field === 'reason') parts.push(toHex(RELEASE_REASONS.indexOf(value as ReleaseReason), { size: 1 }));
    else if (typeof value === 'string') parts.push(value as Hex);
    else parts.push(toHex(value as bigint | number, { size: bytes }));
  }
  return concat(parts).toLowerCase() as Hex;
}

/** Asserts `fn` throws a MessageDecodeError `Not a Ballast message: <reason>.` mirroring Solidity error `error(args)`. */
function expectDecodeError(fn: () => unknown, reason: string, solidity?: { error: string; args: unknown[] }): MessageDecodeError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(MessageDecodeError);
  expect(error).toBeInstanceOf(BallastError);
  const decodeError = error as MessageDecodeError;
  expect(decodeError.name).toBe('MessageDecodeError');
  expect(decodeError.shortMessage).toBe(`Not a Ballast message: ${reason}.`);
  expect(decodeError.message).toContain(`Not a Ballast message: ${reason}.`);
  expect(decodeError.docsPath).toBe('PROTOCOL.md#messages');
  if (solidity) expect(decodeError.meta).toEqual(solidity);
  return decodeError;
}

/** Asserts `fn` throws a MessageEncodeError `Cannot encode <type> message: <field> <problem>.` */
function expectEncodeError(fn: () => unknown, type: string, field: string, problem: string): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(MessageEncodeError);
  expect(error).toBeInstanceOf(BallastError);
  const encodeError = error as MessageEncodeError;
  expect(encodeError.name).toBe('MessageEncodeError');
  expect(encodeError.field).toBe(field);
  expect(encodeError.shortMessage).toBe(`Cannot encode ${type} message: ${field} ${problem}.`);
  expect(encodeError.message).toContain(encodeError.shortMessage);
}

/** A valid message of each type with non-zero fields. */
const SAMPLES: Record<MessageType, BallastMessage> = {
  grant: {
    type: 'grant',
    account: '0x1111111111111111111111111111111111111111',
    receiver: '0x2222222222222222222222222222222222222222',
    amount: 10n ** 21n,
    deadline: 1_767_225_600n,
    grantId: 1n,
  },
  recall: { type: 'recall', account: '0x1111111111111111111111111111111111111111', amount: 5n * 10n ** 20n, recallId: 2n },
  liquidatable: { type: 'liquidatable', account: '0x1111111111111111111111111111111111111111', epoch: 3n, closeFactorBps: 5_000 },
  clear: { type: 'clear', account: '0x1111111111111111111111111111111111111111', epoch: 4n },
  badDebt: { type: 'badDebt', account: '0x1111111111111111111111111111111111111111', epoch: 5n, amount: 10n ** 18n },
  release: { type: 'release', account: '0x1111111111111111111111111111111111111111', amount: 10n ** 20n, reason: 'recalled' },
  usage: { type: 'usage', account: '0x1111111111111111111111111111111111111111', drawn: 6n * 10n ** 20n, line: 10n ** 21n, seq: 12n },
  seize: {
    type: 'seize',
    account: '0x1111111111111111111111111111111111111111',
    liquidator: '0x2222222222222222222222222222222222222222',
    asset: zeroAddress,
    repaid: 25n * 10n ** 19n,
    epoch: 3n,
    seizeId: 1n,
  },
  heartbeat: { type: 'heartbeat', timestamp: 1_767_225_600n },
};

/** `encoded` with byte `index` replaced by `byte`. */
function withByte(encoded: Hex, index: number, byte: number): Hex {
  const tail = index + 1 < size(encoded) ? slice(encoded, index + 1) : '0x';
  return concat([index === 0 ? '0x' : slice(encoded, 0, index), toHex(byte, { size: 1 }), tail]);
}

describe('shared message vectors (contracts/test/vectors/messages.json)', () => {
  it('cover every type at least 3 times, including all-zero and all-max fields', () => {
    expect(vectorFile.version).toBe(MESSAGE_VERSION);
    expect(new Set(vectors.map((vector) => vector.name)).size).toBe(vectors.length);
    for (const type of TYPES) {
      const ofType = vectors.filter((vector) => vector.type === type);
      expect(ofType.length, type).toBeGreaterThanOrEqual(3);
      const numbers = (vector: Vector) => Object.entries(vector.fields).filter(([key]) => key !== 'account' || type !== 'heartbeat');
      const isZero = (vector: Vector) => numbers(vector).every(([, value]) => BigInt(value) === 0n);
      const isMax = (vector: Vector) =>
        SPEC[type].every(([field, bytes]) => {
          const value = BigInt(vector.fields[field] as string | number);
          return field === 'reason' ? value === BigInt(RELEASE_REASONS.length - 1) : value === 2n ** BigInt(8 * bytes) - 1n;
        }) &&
        (type === 'heartbeat' || BigInt(vector.fields.account as string) === 2n ** 160n - 1n);
      expect(ofType.some(isZero), `${type}: an all-zero case`).toBe(true);
      expect(ofType.some(isMax), `${type}: an all-max case`).toBe(true);
    }
    // Every release reason appears.
    const reasons = new Set(vectors.filter((vector) => vector.type === 'release').map((vector) => vector.fields.reason));
    expect([...reasons].sort()).toEqual([0, 1, 2, 3]);
  });

  it('are lower-case hex of their type id and size', () => {
    for (const vector of vectors) {
      expect(vector.encoded, vector.name).toMatch(/^0x([0-9a-f]{2})*$/);
      expect(vector.typeId, vector.name).toBe(MESSAGE_TYPES[vector.type as MessageType]);
      expect(vector.size, vector.name).toBe(MESSAGE_SIZES[vector.type as MessageType]);
      expect(size(vector.encoded), vector.name).toBe(vector.size);
    }
  });

  describe.each(vectors.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
    it('encodeMessage gives the vector bytes, as the spec table lays them out', () => {
      const message = messageOf(vector);
      expect(encodeMessage(message)).toBe(vector.encoded);
      expect(referenceEncoding(message)).toBe(vector.encoded);
    });

    it('decodeMessage gives the vector fields, addresses checksummed, from any hex case', () => {
      expect(decodeMessage(vector.encoded)).toEqual(messageOf(vector));
      expect(decodeMessage(`0x${vector.encoded.slice(2).toUpperCase()}`)).toEqual(messageOf(vector));
      expect(messageTypeOf(vector.encoded)).toBe(vector.type);
    });
  });
});

// ------------------------------------------------------------------------------------------------
// Random round-trips
// ------------------------------------------------------------------------------------------------

const MASK64 = 2n ** 64n - 1n;

/** splitmix64: a tiny seeded PRNG, so a failing case reproduces from its seed and index. */
function splitmix64(seed: bigint): () => bigint {
  let state = seed & MASK64;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

function randomMessages(seed: bigint, count: number): BallastMessage[] {
  const next = splitmix64(seed);
  const below = (bound: number) => Number(next() % BigInt(bound));
  /** 0, 1, max − 1 or max a third of the time; otherwise a value of random bit length (small and large). */
  const uint = (bits: number): bigint => {
    const max = 2n ** BigInt(bits) - 1n;
    if (below(3) === 0) return [0n, 1n, max - 1n, max][below(4)] as bigint;
    let value = 0n;
    for (let drawn = 0; drawn < bits; drawn += 64) value = (value << 64n) | next();
    return value & (2n ** BigInt(1 + below(bits)) - 1n);
  };
  const address = (): Address => {
    const pick = below(8);
    if (pick === 0) return zeroAddress;
    if (pick === 1) return getAddress(`0x${'ff'.repeat(20)}`);
    return getAddress(toHex((next() << 96n) | (next() << 32n) | (next() >> 32n), { size: 20 }));
  };
  const messages: BallastMessage[] = [];
  for (let index = 0; index < count; index++) {
    const type = TYPES[index % TYPES.length] as MessageType;
    const account = address();
    switch (type) {
      case 'grant':
        messages.push({ type, account, receiver: address(), amount: uint(128), deadline: uint(64), grantId: uint(64) });
        break;
      case 'recall':
        messages.push({ type, account, amount: uint(128), recallId: uint(64) });
        break;
      case 'liquidatable':
        messages.push({ type, account, epoch: uint(64), closeFactorBps: Number(uint(16)) });
        break;
      case 'clear':
        messages.push({ type, account, epoch: uint(64) });
        break;
      case 'badDebt':
        messages.push({ type, account, epoch: uint(64), amount: uint(128) });
        break;
      case 'release':
        messages.push({ type, account, amount: uint(128), reason: RELEASE_REASONS[below(4)] as ReleaseReason });
        break;
      case 'usage':
        messages.push({ type, account, drawn: uint(128), line: uint(128), seq: uint(64) });
        break;
      case 'seize':
        messages.push({ type, account, liquidator: address(), asset: address(), repaid: uint(128), epoch: uint(64), seizeId: uint(64) });
        break;
      case 'heartbeat':
        messages.push({ type, timestamp: uint(64) });
        break;
    }
  }
  return messages;
}

describe('random round-trips', () => {
  const SEED = 0xba11a57n;
  const messages = randomMessages(SEED, 2_007);

  it('cover every type and the edge values 0 and max', () => {
    expect(messages.length).toBeGreaterThanOrEqual(1_000);
    for (const type of TYPES) expect(messages.filter((message) => message.type === type).length).toBeGreaterThanOrEqual(200);
    const values = messages.flatMap((message) => Object.values(message).filter((value) => typeof value === 'bigint'));
    expect(values).toContain(0n);
    expect(values).toContain(maxUint64);
    expect(values).toContain(maxUint128);
  });

  it(`encode, decode and re-encode ${messages.length} messages (seed ${SEED})`, () => {
    messages.forEach((message, index) => {
      const label = `seed ${SEED}, message ${index} (${message.type})`;
      const encoded = encodeMessage(message);
      expect(size(encoded), label).toBe(messageSize(message.type));
      expect(encoded, label).toBe(referenceEncoding(message));
      expect(messageTypeOf(encoded), label).toBe(message.type);
      const decoded = decodeMessage(encoded);
      expect(decoded, label).toEqual(message);
      expect(encodeMessage(decoded), label).toBe(encoded);
    });
  });
});

// ------------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------------

describe('constants', () => {
  it('match the spec', () => {
    expect(MESSAGE_VERSION).toBe(1);
    expect(MESSAGE_HEADER_SIZE).toBe(22);
    expect(MESSAGE_TYPES).toEqual({ grant: 1, recall: 2, liquidatable: 3, clear: 4, badDebt: 5, release: 6, usage: 7, seize: 8, heartbeat: 9 });
    expect(MESSAGE_SIZES).toEqual({ grant: 74, recall: 46, liquidatable: 32, clear: 30, badDebt: 46, release: 39, usage: 62, seize: 94, heartbeat: 30 });
    for (const type of TYPES) {
      expect(MESSAGE_HEADER_SIZE + SPEC[type].reduce((sum, [, bytes]) => sum + bytes, 0)).toBe(MESSAGE_SIZES[type]);
      expect(size(encodeMessage(SAMPLES[type]))).toBe(messageSize(type));
    }
    expect(RELEASE_REASONS).toEqual(['voluntary', 'recalled', 'grantExpired', 'liquidation']);
  });
});

describe('decodeMessage errors (each mirrors the MsgCodec.sol revert)', () => {
  it('rejects what is not even-length 0x hex', () => {
    for (const input of ['', '0x0', '0x1', '01', 'hello', '0xzz', '0x010', ' 0x01']) {
      const error = expectDecodeError(() => decodeMessage(input as Hex), 'not an even-length 0x-prefixed hex string');
      expect(error.details).toBe(`input: ${JSON.stringify(input)}`);
      expectDecodeError(() => messageTypeOf(input as Hex), 'not an even-length 0x-prefixed hex string');
    }
  });

  it('rejects input without a type byte', () => {
    expectDecodeError(() => decodeMessage('0x'), '0 bytes, expected at least 22 (the header)', {
      error: 'MsgCodec_BadLength',
      args: [0, 0, 22],
    });
    expectDecodeError(() => decodeMessage('0x01'), '1 byte, expected at least 22 (the header)', {
      error: 'MsgCodec_BadLength',
      args: [0, 1, 22],
    });
  });

  it('rejects a version other than 1, before anything else', () => {
    for (const type of TYPES) {
      const encoded = encodeMessage(SAMPLES[type]);
      for (const version of [0, 2, 255]) {
        expectDecodeError(() => decodeMessage(withByte(encoded, 0, version)), `version ${version}, expected 1`, {
          error: 'MsgCodec_UnsupportedVersion',
          args: [version],
        });
      }
    }
    expectDecodeError(() => decodeMessage('0x02'), 'version 2, expected 1');
    expectDecodeError(() => decodeMessage('0x02ff'), 'version 2, expected 1');
  });

  it('rejects an unknown type, before the length', () => {
    const grant = encodeMessage(SAMPLES.grant);
    for (const id of [0, 10, 0x80, 255]) {
      const solidity = { error: 'MsgCodec_UnknownType', args: [id] };
      expectDecodeError(() => decodeMessage(withByte(grant, 1, id)), `unknown type ${id}, expected 1 to 9`, solidity);
      expectDecodeError(() => decodeMessage(concat(['0x01', toHex(id, { size: 1 })])), `unknown type ${id}, expected 1 to 9`, solidity);
    }
  });

  it('rejects a short or long message of every type', () => {
    for (const type of TYPES) {
      const encoded = encodeMessage(SAMPLES[type]);
      const expected = MESSAGE_SIZES[type];
      const id = MESSAGE_TYPES[type];
      const cases: Hex[] = [slice(encoded, 0, expected - 1), slice(encoded, 0, MESSAGE_HEADER_SIZE), slice(encoded, 0, 2), concat([encoded, '0x00']), concat([encoded, encoded])];
      for (const wrong of cases) {
        const length = size(wrong);
        expectDecodeError(() => decodeMessage(wrong), `${type} (type ${id}) of ${length} bytes, expected ${expected}`, {
          error: 'MsgCodec_BadLength',
          args: [id, length, expected],
        });
        expectDecodeError(() => messageTypeOf(wrong), `${type} (type ${id}) of ${length} bytes, expected ${expected}`);
      }
    }
  });

  it('rejects a release reason above 3', () => {
    const release = encodeMessage(SAMPLES.release);
    for (const reason of [4, 5, 255]) {
      const tampered = withByte(release, MESSAGE_SIZES.release - 1, reason);
      // Well-formed as far as version, type and size go: only the decoder reads the reason.
      expect(messageTypeOf(tampered)).toBe('release');
      expectDecodeError(
        () => decodeMessage(tampered),
        `release reason ${reason}, expected 0 to 3 (voluntary, recalled, grantExpired, liquidation)`,
        { error: 'MsgCodec_UnknownReleaseReason', args: [reason] },
      );
    }
  });

  it('rejects a heartbeat with an account', () => {
    const account = '0x1111111111111111111111111111111111111111';
    const tampered = concat([slice(encodeMessage(SAMPLES.heartbeat), 0, 2), account, slice(encodeMessage(SAMPLES.heartbeat), 22)]);
    expect(messageTypeOf(tampered)).toBe('heartbeat');
    expectDecodeError(() => decodeMessage(tampered), `heartbeat with account ${account}, expected the zero address`, {
      error: 'MsgCodec_HeartbeatWithAccount',
      args: [account],
    });
  });

  it('shows the size and the bytes in the details', () => {
    const error = expectDecodeError(() => decodeMessage('0x0101'), 'grant (type 1) of 2 bytes, expected 74');
    expect(error.details).toBe('message (2 bytes): 0x0101');
    const long = concat(Array.from({ length: 10 }, () => encodeMessage(SAMPLES.seize)));
    expect(expectDecodeError(() => decodeMessage(long), 'seize (type 8) of 940 bytes, expected 94').details).toMatch(/^message \(940 bytes\): 0x0108.{234}…$/);
  });
});

describe('encodeMessage errors (name the field)', () => {
  const U64_FIELDS: [MessageType, string][] = [
    ['grant', 'deadline'],
    ['grant', 'grantId'],
    ['recall', 'recallId'],
    ['liquidatable', 'epoch'],
    ['clear', 'epoch'],
    ['badDebt', 'epoch'],
    ['usage', 'seq'],
    ['seize', 'epoch'],
    ['seize', 'seizeId'],
    ['heartbeat', 'timestamp'],
  ];
  const U128_FIELDS: [MessageType, string][] = [
    ['grant', 'amount'],
    ['recall', 'amount'],
    ['badDebt', 'amount'],
    ['release', 'amount'],
    ['usage', 'drawn'],
    ['usage', 'line'],
    ['seize', 'repaid'],
  ];
  const ADDRESS_FIELDS: [MessageType, string][] = [
    ...TYPES.filter((type) => type !== 'heartbeat').map((type) => [type, 'account'] as [MessageType, string]),
    ['grant', 'receiver'],
    ['seize', 'liquidator'],
    ['seize', 'asset'],
  ];
  const withField = (type: MessageType, field: string, value: unknown) => ({ ...SAMPLES[type], [field]: value }) as BallastMessage;

  it('covers every field of every type', () => {
    const named = new Set([...U64_FIELDS, ...U128_FIELDS, ...ADDRESS_FIELDS].map(([type, field]) => `${type}.${field}`));
    for (const type of TYPES) {
      for (const [field] of SPEC[type]) {
        if (field !== 'closeFactorBps' && field !== 'reason') expect(named.has(`${type}.${field}`), `${type}.${field}`).toBe(true);
      }
    }
  });

  it('rejects u64 fields out of range or not bigint', () => {
    for (const [type, field] of U64_FIELDS) {
      expect(encodeMessage(withField(type, field, maxUint64))).toMatch(/^0x/);
      const range = 'must fit uint64 (0 to 18446744073709551615)';
      expectEncodeError(() => encodeMessage(withField(type, field, maxUint64 + 1n)), type, field, `${range}, got 18446744073709551616`);
      expectEncodeError(() => encodeMessage(withField(type, field, -1n)), type, field, `${range}, got -1`);
      expectEncodeError(() => encodeMessage(withField(type, field, 5)), type, field, 'must be a bigint (uint64), got 5');
      expectEncodeError(() => encodeMessage(withField(type, field, undefined)), type, field, 'must be a bigint (uint64), got undefined');
    }
  });

  it('rejects u128 fields out of range or not bigint', () => {
    for (const [type, field] of U128_FIELDS) {
      expect(encodeMessage(withField(type, field, maxUint128))).toMatch(/^0x/);
      const range = `must fit uint128 (0 to ${maxUint128})`;
      expectEncodeError(() => encodeMessage(withField(type, field, maxUint128 + 1n)), type, field, `${range}, got ${maxUint128 + 1n}`);
      expectEncodeError(() => encodeMessage(withField(type, field, -1n)), type, field, `${range}, got -1`);
      expectEncodeError(() => encodeMessage(withField(type, field, '1')), type, field, 'must be a bigint (uint128), got "1"');
    }
  });

  it('rejects a close factor that is not a uint16', () => {
    const problem = (got: string) => `must be an integer that fits uint16 (0 to 65535), got ${got}`;
    expect(encodeMessage(withField('liquidatable', 'closeFactorBps', 65_535))).toMatch(/^0x/);
    expectEncodeError(() => encodeMessage(withField('liquidatable', 'closeFactorBps', 65_536)), 'liquidatable', 'closeFactorBps', problem('65536'));
    expectEncodeError(() => encodeMessage(withField('liquidatable', 'closeFactorBps', -1)), 'liquidatable', 'closeFactorBps', problem('-1'));
    expectEncodeError(() => encodeMessage(withField('liquidatable', 'closeFactorBps', 1.5)), 'liquidatable', 'closeFactorBps', problem('1.5'));
    expectEncodeError(() => encodeMessage(withField('liquidatable', 'closeFactorBps', 5_000n)), 'liquidatable', 'closeFactorBps', problem('5000n'));
  });

  it('rejects an unknown release reason', () => {
    expectEncodeError(
      () => encodeMessage(withField('release', 'reason', 'expired')),
      'release',
      'reason',
      'must be one of voluntary, recalled, grantExpired, liquidation, got "expired"',
    );
    expectEncodeError(
      () => encodeMessage(withField('release', 'reason', 1)),
      'release',
      'reason',
      'must be one of voluntary, recalled, grantExpired, liquidation, got 1',
    );
  });

  it('rejects addresses that are malformed or mis-checksummed', () => {
    const problem = (got: string) => `must be a 20-byte address with a valid checksum, got ${got}`;
    const badChecksum = '0x856c13253faFb84ECeceC1e92AB071474E121962'; // one letter's case flipped
    for (const [type, field] of ADDRESS_FIELDS) {
      expectEncodeError(() => encodeMessage(withField(type, field, '0x1234')), type, field, problem('"0x1234"'));
      expectEncodeError(() => encodeMessage(withField(type, field, badChecksum)), type, field, problem(`"${badChecksum}"`));
      expectEncodeError(() => encodeMessage(withField(type, field, undefined)), type, field, problem('undefined'));
      // Lower-case (no checksum) is accepted and decodes checksummed.
      const lower = '0x856c13253fafb84ececec1e92ab071474e121962';
      const decoded = decodeMessage(encodeMessage(withField(type, field, lower))) as unknown as Record<string, unknown>;
      expect(decoded[field]).toBe(getAddress(lower));
    }
  });

  it('rejects an unknown message type', () => {
    const message = { type: 'ping', account: zeroAddress } as unknown as BallastMessage;
    expectEncodeError(
      () => encodeMessage(message),
      'ping',
      'type',
      'must be one of grant, recall, liquidatable, clear, badDebt, release, usage, seize, heartbeat',
    );
  });

  it('writes a heartbeat with the zero account whatever the object carries', () => {
    const withAccount = { ...SAMPLES.heartbeat, account: '0x1111111111111111111111111111111111111111' } as BallastMessage;
    expect(encodeMessage(withAccount)).toBe(encodeMessage(SAMPLES.heartbeat));
    expect(slice(encodeMessage(withAccount), 2, 22)).toBe(zeroAddress);
  });
});
