// LayerZero type-3 options: `0x0003 | (worker u8 | size u16 | type u8 | body)*`. Executor option
// type 1 (LZRECEIVE) carries u128 gas and an optional u128 value; several are summed, as the
// executor does. The courier gives `lzReceive` exactly what the options paid for.
import { type Hex, concat, encodePacked, hexToBigInt, hexToNumber, size, slice } from 'viem';
import { BallastError } from './errors.ts';

export const OPTIONS_TYPE_1 = 1;
export const OPTIONS_TYPE_2 = 2;
export const OPTIONS_TYPE_3 = 3;
export const WORKER_EXECUTOR = 1;
export const WORKER_DVN = 2;
export const EXECUTOR_OPTION_LZRECEIVE = 1;
export const EXECUTOR_OPTION_NATIVE_DROP = 2;
export const EXECUTOR_OPTION_LZCOMPOSE = 3;
export const EXECUTOR_OPTION_ORDERED = 4;

export type WorkerOption = { worker: number; type: number; body: Hex };

export type ExecutionBudget = {
  /** Gas the options paid for `lzReceive`. */
  gas: bigint;
  /** Native value the options paid to forward with `lzReceive`. */
  value: bigint;
  /** Whether the sender asked for ordered execution. */
  ordered: boolean;
};

export class OptionsDecodeError extends BallastError {
  override name = 'OptionsDecodeError';
  constructor(reason: string, options: Hex) {
    super(`Malformed LayerZero options: ${reason}.`, { details: `options: ${options}` });
  }
}

export function decodeOptions(options: Hex): WorkerOption[] {
  if (size(options) < 2) throw new OptionsDecodeError('shorter than the 2-byte type', options);
  const type = hexToNumber(slice(options, 0, 2));
  if (type !== OPTIONS_TYPE_3) throw new OptionsDecodeError(`type ${type}, only type 3 is supported`, options);
  const parsed: WorkerOption[] = [];
  let cursor = 2;
  const total = size(options);
  while (cursor < total) {
    if (cursor + 4 > total) throw new OptionsDecodeError(`truncated option header at byte ${cursor}`, options);
    const worker = hexToNumber(slice(options, cursor, cursor + 1));
    const optionSize = hexToNumber(slice(options, cursor + 1, cursor + 3));
    if (optionSize < 1 || cursor + 3 + optionSize > total) {
      throw new OptionsDecodeError(`option at byte ${cursor} overruns the options`, options);
    }
    const optionType = hexToNumber(slice(options, cursor + 3, cursor + 4));
    const body = optionSize === 1 ? '0x' : slice(options, cursor + 4, cursor + 3 + optionSize);
    parsed.push({ worker, type: optionType, body });
    cursor += 3 + optionSize;
  }
  return parsed;
}

/**
 * What the executor owes the destination: summed lzReceive gas and value, and ordering. Legacy
 * type 1 (`u256 gas`) and type 2 (`u256 gas | u256 drop | receiver`) options, which the ULN still
 * accepts and converts, give their gas and no lzReceive value (a type-2 drop goes to its receiver).
 */
export function executionBudget(options: Hex): ExecutionBudget {
  const type = size(options) >= 2 ? hexToNumber(slice(options, 0, 2)) : undefined;
  if (type === OPTIONS_TYPE_1 || type === OPTIONS_TYPE_2) {
    const expected = type === OPTIONS_TYPE_1 ? 34 : 66;
    if (type === OPTIONS_TYPE_1 ? size(options) !== expected : size(options) <= expected) {
      throw new OptionsDecodeError(`legacy type ${type} options of ${size(options)} bytes`, options);
    }
    return { gas: hexToBigInt(slice(options, 2, 34)), value: 0n, ordered: false };
  }
  let gas = 0n;
  let value = 0n;
  let ordered = false;
  for (const option of decodeOptions(options)) {
    if (option.worker !== WORKER_EXECUTOR) continue;
    if (option.type === EXECUTOR_OPTION_LZRECEIVE) {
      const length = size(option.body);
      if (length !== 16 && length !== 32) throw new OptionsDecodeError(`lzReceive option of ${length} bytes`, options);
      gas += hexToBigInt(slice(option.body, 0, 16));
      if (length === 32) value += hexToBigInt(slice(option.body, 16, 32));
    } else if (option.type === EXECUTOR_OPTION_ORDERED) {
      ordered = true;
    }
  }
  return { gas, value, ordered };
}

/** Type-3 options with one executor lzReceive option (value omitted when zero, as OptionsBuilder does). */
export function lzReceiveOptions(gas: bigint, value = 0n): Hex {
  const body = value === 0n ? encodePacked(['uint128'], [gas]) : encodePacked(['uint128', 'uint128'], [gas, value]);
  return concat([
    encodePacked(['uint16'], [OPTIONS_TYPE_3]),
    encodePacked(['uint8', 'uint16', 'uint8'], [WORKER_EXECUTOR, size(body) + 1, EXECUTOR_OPTION_LZRECEIVE]),
    body,
  ]);
}
