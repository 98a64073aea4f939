// The Ballast message codec, byte-identical with `contracts/src/libraries/MsgCodec.sol` and checked
// against the same vectors (contracts/test/vectors/messages.json). Big-endian, tightly packed like
// `abi.encodePacked`; every message starts with the 22-byte header `version u8 | type u8 | account`
// and every type has exactly one size. Layouts with byte offsets: docs/PROTOCOL.md#messages.
import { type Address, type Hex, encodePacked, getAddress, hexToBigInt, hexToNumber, isAddress, maxUint64, maxUint128, size, slice, zeroAddress } from 'viem';
import { BallastError } from './errors.ts';

/** The only codec version this module reads and writes (byte 0 of every message). */
export const MESSAGE_VERSION = 1;

/** Bytes in the common header: version u8 | type u8 | account address. */
export const MESSAGE_HEADER_SIZE = 22;

/** Message type ids (byte 1 of every message), as in `MsgCodec.TYPE_*`. */
export const MESSAGE_TYPES = {
  grant: 1,
  recall: 2,
  liquidatable: 3,
  clear: 4,
  badDebt: 5,
  release: 6,
  usage: 7,
  seize: 8,
  heartbeat: 9,
} as const;

export type MessageType = keyof typeof MESSAGE_TYPES;
export type MessageTypeId = (typeof MESSAGE_TYPES)[MessageType];

/** The one size of each message type, in bytes, as in `MsgCodec.SIZE_*`. */
export const MESSAGE_SIZES = {
  grant: 74,
  recall: 46,
  liquidatable: 32,
  clear: 30,
  badDebt: 46,
  release: 39,
  usage: 62,
  seize: 94,
  heartbeat: 30,
} as const satisfies Record<MessageType, number>;

/** Release reasons by wire value (`MsgCodec.ReleaseReason`): index = the byte on the wire. */
export const RELEASE_REASONS = ['voluntary', 'recalled', 'grantExpired', 'liquidation'] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

const MAX_UINT16 = 2 ** 16 - 1;

/** `GRANT`, home → remote: raise `account`'s line by `amount`. */
export type GrantMessage = {
  type: 'grant';
  account: Address;
  /** Who may use the credit on the remote. */
  receiver: Address;
  /** Credit, USD with 18 decimals (u128). */
  amount: bigint;
  /** Unix seconds after which the remote bounces the grant home as a `RELEASE` (u64). */
  deadline: bigint;
  /** u64. */
  grantId: bigint;
};

/** `RECALL`, home → remote: release undrawn credit of `account`, up to `amount`. */
export type RecallMessage = {
  type: 'recall';
  account: Address;
  /** Credit, USD with 18 decimals (u128). */
  amount: bigint;
  /** u64. */
  recallId: bigint;
};

/** `LIQUIDATABLE`, home → remote: flag `account` at home's `epoch`. */
export type LiquidatableMessage = {
  type: 'liquidatable';
  account: Address;
  /** u64. */
  epoch: bigint;
  /** Share of the drawn credit a liquidator may repay, in basis points (u16). */
  closeFactorBps: number;
};

/** `CLEAR`, home → remote: un-flag `account` as of home's `epoch`. */
export type ClearMessage = {
  type: 'clear';
  account: Address;
  /** u64. */
  epoch: bigint;
};

/** `BAD_DEBT`, home → remote: write off `amount` of `account`'s debt that no collateral covers. */
export type BadDebtMessage = {
  type: 'badDebt';
  account: Address;
  /** u64. */
  epoch: bigint;
  /** Credit, USD with 18 decimals (u128). */
  amount: bigint;
};

/** `RELEASE`, remote → home: the remote lowered `account`'s line by `amount`. */
export type ReleaseMessage = {
  type: 'release';
  account: Address;
  /** Credit, USD with 18 decimals (u128). */
  amount: bigint;
  reason: ReleaseReason;
};

/** `USAGE`, remote → home: `account`'s drawn credit and line, as of per-account sequence `seq`. */
export type UsageMessage = {
  type: 'usage';
  account: Address;
  /** Credit, USD with 18 decimals (u128). */
  drawn: bigint;
  /** Credit, USD with 18 decimals (u128). */
  line: bigint;
  /** u64. */
  seq: bigint;
};

/** `SEIZE`, remote → home: a liquidator repaid `repaid` of `account`'s debt on the remote. */
export type SeizeMessage = {
  type: 'seize';
  account: Address;
  /** Home-chain address that receives the seized collateral. */
  liquidator: Address;
  /** Collateral the liquidator wants; the zero address for the vault's documented order. */
  asset: Address;
  /** Credit, USD with 18 decimals (u128). */
  repaid: bigint;
  /** u64. */
  epoch: bigint;
  /** u64. */
  seizeId: bigint;
};

/** `HEARTBEAT`, home → remote: home is alive at `timestamp`. Its header account is always zero. */
export type HeartbeatMessage = {
  type: 'heartbeat';
  /** Unix seconds (u64). */
  timestamp: bigint;
};

export type BallastMessage =
  | GrantMessage
  | RecallMessage
  | LiquidatableMessage
  | ClearMessage
  | BadDebtMessage
  | ReleaseMessage
  | UsageMessage
  | SeizeMessage
  | HeartbeatMessage;

/** The message of one type: `MessageOf<'grant'>` is `GrantMessage`. */
export type MessageOf<type extends MessageType> = Extract<BallastMessage, { type: type }>;

type FieldKind = 'address' | 'uint128' | 'uint64' | 'uint16' | 'reason';

/** Fields after the header, in wire order. Heartbeat's header account is not a field (always zero). */
const LAYOUTS = {
  grant: [['receiver', 'address'], ['amount', 'uint128'], ['deadline', 'uint64'], ['grantId', 'uint64']],
  recall: [['amount', 'uint128'], ['recallId', 'uint64']],
  liquidatable: [['epoch', 'uint64'], ['closeFactorBps', 'uint16']],
  clear: [['epoch', 'uint64']],
  badDebt: [['epoch', 'uint64'], ['amount', 'uint128']],
  release: [['amount', 'uint128'], ['reason', 'reason']],
  usage: [['drawn', 'uint128'], ['line', 'uint128'], ['seq', 'uint64']],
  seize: [['liquidator', 'address'], ['asset', 'address'], ['repaid', 'uint128'], ['epoch', 'uint64'], ['seizeId', 'uint64']],
  heartbeat: [['timestamp', 'uint64']],
} as const satisfies Record<MessageType, readonly (readonly [string, FieldKind])[]>;

const FIELD_BYTES = { address: 20, uint128: 16, uint64: 8, uint16: 2, reason: 1 } as const satisfies Record<FieldKind, number>;
const PACKED_TYPE = { address: 'address', uint128: 'uint128', uint64: 'uint64', uint16: 'uint16', reason: 'uint8' } as const;
const TYPE_BY_ID = new Map<number, MessageType>(Object.entries(MESSAGE_TYPES).map(([type, id]) => [id, type as MessageType]));

/** Thrown by `decodeMessage` / `messageTypeOf` when bytes are not a well-formed Ballast message. */
export class MessageDecodeError extends BallastError {
  override name = 'MessageDecodeError';
  constructor(reason: string, input: string, meta?: Record<string, unknown>) {
    const shown = input.length > 240 ? `${input.slice(0, 240)}…` : input;
    const isHex = /^0x([0-9a-fA-F]{2})*$/.test(input);
    super(`Not a Ballast message: ${reason}.`, {
      details: isHex ? `message (${(input.length - 2) / 2} bytes): ${shown}` : `input: ${JSON.stringify(shown)}`,
      docsPath: 'PROTOCOL.md#messages',
      meta,
    });
  }
}

/** Thrown by `encodeMessage` when a field does not fit its wire type; names the field. */
export class MessageEncodeError extends BallastError {
  override name = 'MessageEncodeError';
  readonly field: string;
  constructor(type: string, field: string, problem: string) {
    super(`Cannot encode ${type} message: ${field} ${problem}.`, { docsPath: 'PROTOCOL.md#messages', meta: { type, field } });
    this.field = field;
  }
}

/** The one size of a message type, in bytes. */
export function messageSize(type: MessageType): number {
  return MESSAGE_SIZES[type];
}

function checkField(type: string, field: string, kind: FieldKind, value: unknown): void {
  const describe = typeof value === 'bigint' ? `${value}n` : JSON.stringify(value) ?? String(value);
  switch (kind) {
    case 'address':
      if (typeof value !== 'string' || !isAddress(value)) {
        throw new MessageEncodeError(type, field, `must be a 20-byte address with a valid checksum, got ${describe}`);
      }
      return;
    case 'uint128':
    case 'uint64': {
      const max = kind === 'uint128' ? maxUint128 : maxUint64;
      if (typeof value !== 'bigint') throw new MessageEncodeError(type, field, `must be a bigint (${kind}), got ${describe}`);
      if (value < 0n || value > max) throw new MessageEncodeError(type, field, `must fit ${kind} (0 to ${max}), got ${value}`);
      return;
    }
    case 'uint16':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_UINT16) {
        throw new MessageEncodeError(type, field, `must be an integer that fits uint16 (0 to ${MAX_UINT16}), got ${describe}`);
      }
      return;
    case 'reason':
      if (!RELEASE_REASONS.includes(value as ReleaseReason)) {
        throw new MessageEncodeError(type, field, `must be one of ${RELEASE_REASONS.join(', ')}, got ${describe}`);
      }
      return;
  }
}

/**
 * Encodes a message to its wire bytes (lower-case hex), exactly as `MsgCodec.encode<Type>` does.
 * Throws `MessageEncodeError` naming the field when a value does not fit its wire type.
 *
 * @example
 * encodeMessage({ type: 'clear', account: '0x1111111111111111111111111111111111111111', epoch: 7n })
 * // 0x01041111111111111111111111111111111111111111 0000000000000007 (30 bytes, without the space)
 */
export function encodeMessage(message: BallastMessage): Hex {
  const type = message?.type;
  if (typeof type !== 'string' || !Object.hasOwn(MESSAGE_TYPES, type)) {
    throw new MessageEncodeError(String(type), 'type', `must be one of ${Object.keys(MESSAGE_TYPES).join(', ')}`);
  }
  const fields = message as unknown as Record<string, unknown>;
  const account = type === 'heartbeat' ? zeroAddress : fields.account;
  checkField(type, 'account', 'address', account);
  const types: string[] = ['uint8', 'uint8', 'address'];
  const values: unknown[] = [MESSAGE_VERSION, MESSAGE_TYPES[type], account];
  for (const [field, kind] of LAYOUTS[type]) {
    const value = fields[field];
    checkField(type, field, kind, value);
    types.push(PACKED_TYPE[kind]);
    values.push(kind === 'reason' ? RELEASE_REASONS.indexOf(value as ReleaseReason) : value);
  }
  // viem keeps an address's case; the wire format is bytes, so the hex is always lower-case.
  return encodePacked(types, values).toLowerCase() as Hex;
}

function normalise(input: string): Hex {
  if (typeof input !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(input)) {
    throw new MessageDecodeError('not an even-length 0x-prefixed hex string', String(input));
  }
  return input.toLowerCase() as Hex;
}

function typeOf(encoded: Hex): MessageType {
  const length = size(encoded);
  if (length === 0) {
    throw new MessageDecodeError(`0 bytes, expected at least ${MESSAGE_HEADER_SIZE} (the header)`, encoded, {
      error: 'MsgCodec_BadLength',
      args: [0, 0, MESSAGE_HEADER_SIZE],
    });
  }
  const version = hexToNumber(slice(encoded, 0, 1));
  if (version !== MESSAGE_VERSION) {
    throw new MessageDecodeError(`version ${version}, expected ${MESSAGE_VERSION}`, encoded, {
      error: 'MsgCodec_UnsupportedVersion',
      args: [version],
    });
  }
  if (length === 1) {
    throw new MessageDecodeError(`1 byte, expected at least ${MESSAGE_HEADER_SIZE} (the header)`, encoded, {
      error: 'MsgCodec_BadLength',
      args: [0, 1, MESSAGE_HEADER_SIZE],
    });
  }
  const id = hexToNumber(slice(encoded, 1, 2));
  const type = TYPE_BY_ID.get(id);
  if (type === undefined) {
    throw new MessageDecodeError(`unknown type ${id}, expected 1 to ${TYPE_BY_ID.size}`, encoded, {
      error: 'MsgCodec_UnknownType',
      args: [id],
    });
  }
  const expected = MESSAGE_SIZES[type];
  if (length !== expected) {
    throw new MessageDecodeError(`${type} (type ${id}) of ${length} bytes, expected ${expected}`, encoded, {
      error: 'MsgCodec_BadLength',
      args: [id, length, expected],
    });
  }
  return type;
}

/**
 * The type of a well-formed message, as `MsgCodec.msgType` returns it: checks the version, that the
 * type is known and that the message is exactly that type's size, in that order.
 */
export function messageTypeOf(message: Hex): MessageType {
  return typeOf(normalise(message));
}

/**
 * Decodes wire bytes (any hex case) to a message with checksummed addresses, with the checks
 * `MsgCodec.decode<Type>` makes; throws `MessageDecodeError` saying what is wrong and what was expected.
 *
 * @example
 * const message = decodeMessage(payload);
 * if (message.type === 'grant') console.log(message.receiver, message.amount);
 */
export function decodeMessage(message: Hex): BallastMessage {
  const encoded = normalise(message);
  const type = typeOf(encoded);
  const account = getAddress(slice(encoded, 2, MESSAGE_HEADER_SIZE));
  const decoded: Record<string, unknown> = { type };
  if (type === 'heartbeat') {
    if (account !== zeroAddress) {
      throw new MessageDecodeError(`heartbeat with account ${account}, expected the zero address`, encoded, {
        error: 'MsgCodec_HeartbeatWithAccount',
        args: [account],
      });
    }
  } else {
    decoded.account = account;
  }
  let offset = MESSAGE_HEADER_SIZE;
  for (const [field, kind] of LAYOUTS[type]) {
    const bytes = slice(encoded, offset, offset + FIELD_BYTES[kind]);
    offset += FIELD_BYTES[kind];
    if (kind === 'address') decoded[field] = getAddress(bytes);
    else if (kind === 'uint16') decoded[field] = hexToNumber(bytes);
    else if (kind === 'reason') {
      const reason = hexToNumber(bytes);
      const name = RELEASE_REASONS[reason];
      if (name === undefined) {
        throw new MessageDecodeError(
          `release reason ${reason}, expected 0 to ${RELEASE_REASONS.length - 1} (${RELEASE_REASONS.join(', ')})`,
          encoded,
          { error: 'MsgCodec_UnknownReleaseReason', args: [reason] },
        );
      }
      decoded[field] = name;
    } else decoded[field] = hexToBigInt(bytes);
  }
  return decoded as BallastMessage;
}
