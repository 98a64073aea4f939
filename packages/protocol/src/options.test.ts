import { type Hex, concat, size, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { BallastError } from './errors.ts';
import {
  EXECUTOR_OPTION_LZCOMPOSE,
  EXECUTOR_OPTION_LZRECEIVE,
  EXECUTOR_OPTION_NATIVE_DROP,
  EXECUTOR_OPTION_ORDERED,
  OptionsDecodeError,
  WORKER_DVN,
  WORKER_EXECUTOR,
  decodeOptions,
  executionBudget,
  lzReceiveOptions,
} from './options.ts';
import { thrown } from './test-utils.ts';

const MAX_UINT128 = 2n ** 128n - 1n;
const u8 = (value: number) => toHex(value, { size: 1 });
const u16 = (value: number) => toHex(value, { size: 2 });
const u128 = (value: bigint) => toHex(value, { size: 16 });

/** One executor option as `OptionsBuilder.addExecutorOption` appends it: worker 1 | size u16 | type | body. */
function executorOption(type: number, body: Hex): Hex {
  return concat([u8(WORKER_EXECUTOR), u16(size(body) + 1), u8(type), body]);
}

/** One DVN option as `OptionsBuilder.addDVNOption` appends it: worker 2 | size u16 | dvnIdx | type | body. */
function dvnOption(dvnIndex: number, type: number, body: Hex): Hex {
  return concat([u8(WORKER_DVN), u16(size(body) + 2), u8(dvnIndex), u8(type), body]);
}

/** Asserts `fn` throws an OptionsDecodeError whose short message is `Malformed LayerZero options: <reason>.` */
function expectOptionsError(fn: () => unknown, reason: string, options: Hex): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(OptionsDecodeError);
  expect(error).toBeInstanceOf(BallastError);
  const optionsError = error as OptionsDecodeError;
  expect(optionsError.name).toBe('OptionsDecodeError');
  expect(optionsError.shortMessage).toBe(`Malformed LayerZero options: ${reason}.`);
  expect(optionsError.details).toBe(`options: ${options}`);
}

describe('lzReceiveOptions', () => {
  it('is byte-exact with OptionsBuilder.newOptions().addExecutorLzReceiveOption(200000, 0)', () => {
    expect(lzReceiveOptions(200_000n)).toBe('0x00030100110100000000000000000000000000030d40');
    expect(lzReceiveOptions(200_000n, 0n)).toBe('0x00030100110100000000000000000000000000030d40');
  });

  it('appends the value as a second u128 when it is not zero (size 33)', () => {
    expect(lzReceiveOptions(200_000n, 1n)).toBe(
      '0x00030100210100000000000000000000000000030d4000000000000000000000000000000001',
    );
    expect(lzReceiveOptions(MAX_UINT128, MAX_UINT128)).toBe(`0x0003010021${'01'}${'ff'.repeat(32)}`);
  });

  it('decodes to one executor lzReceive option', () => {
    expect(decodeOptions(lzReceiveOptions(200_000n))).toEqual([
      { worker: WORKER_EXECUTOR, type: EXECUTOR_OPTION_LZRECEIVE, body: u128(200_000n) },
    ]);
    expect(decodeOptions(lzReceiveOptions(200_000n, 5n))).toEqual([
      { worker: WORKER_EXECUTOR, type: EXECUTOR_OPTION_LZRECEIVE, body: concat([u128(200_000n), u128(5n)]) },
    ]);
  });
});

describe('executionBudget', () => {
  it('reads the gas of a gas-only lzReceive option', () => {
    expect(executionBudget(lzReceiveOptions(200_000n))).toEqual({ gas: 200_000n, value: 0n, ordered: false });
    expect(executionBudget('0x00030100110100000000000000000000000000030d40')).toEqual({ gas: 200_000n, value: 0n, ordered: false });
  });

  it('reads the gas and value of an lzReceive option with value', () => {
    expect(executionBudget(lzReceiveOptions(80_000n, 10n ** 18n))).toEqual({ gas: 80_000n, value: 10n ** 18n, ordered: false });
    expect(executionBudget(lzReceiveOptions(MAX_UINT128, MAX_UINT128))).toEqual({ gas: MAX_UINT128, value: MAX_UINT128, ordered: false });
  });

  it('sums several lzReceive options, as the executor does', () => {
    const options = concat([
      lzReceiveOptions(100_000n),
      executorOption(EXECUTOR_OPTION_LZRECEIVE, concat([u128(50_000n), u128(7n)])),
      executorOption(EXECUTOR_OPTION_LZRECEIVE, u128(25_000n)),
      executorOption(EXECUTOR_OPTION_LZRECEIVE, concat([u128(1n), u128(3n)])),
    ]);
    expect(decodeOptions(options)).toHaveLength(4);
    expect(executionBudget(options)).toEqual({ gas: 175_001n, value: 10n, ordered: false });
  });

  it('sums past uint128 without wrapping', () => {
    const options = concat([lzReceiveOptions(MAX_UINT128), executorOption(EXECUTOR_OPTION_LZRECEIVE, u128(MAX_UINT128))]);
    expect(executionBudget(options).gas).toBe(2n * MAX_UINT128);
  });

  it('sees an ordered-execution option, before or after lzReceive', () => {
    // OptionsBuilder.addExecutorOrderedExecutionOption appends 01 0001 04.
    const ordered = executorOption(EXECUTOR_OPTION_ORDERED, '0x');
    expect(ordered).toBe('0x01000104');
    const after = concat([lzReceiveOptions(200_000n), ordered]);
    expect(after).toBe('0x00030100110100000000000000000000000000030d4001000104');
    expect(executionBudget(after)).toEqual({ gas: 200_000n, value: 0n, ordered: true });
    expect(decodeOptions(after)[1]).toEqual({ worker: WORKER_EXECUTOR, type: EXECUTOR_OPTION_ORDERED, body: '0x' });
    expect(executionBudget(concat(['0x0003', ordered, executorOption(EXECUTOR_OPTION_LZRECEIVE, u128(9n))]))).toEqual({
      gas: 9n,
      value: 0n,
      ordered: true,
    });
  });

  it('ignores DVN options and the other executor options', () => {
    const options = concat([
      '0x0003',
      dvnOption(0, 1, '0x'), // OptionsBuilder.addDVNPreCrimeOption(0): 02 0002 00 01
      executorOption(EXECUTOR_OPTION_LZRECEIVE, concat([u128(150_000n), u128(2n)])),
      executorOption(EXECUTOR_OPTION_NATIVE_DROP, concat([u128(10n ** 18n), `0x${'11'.repeat(32)}`])),
      executorOption(EXECUTOR_OPTION_LZCOMPOSE, concat([u16(0), u128(300_000n), u128(4n)])),
      dvnOption(1, 1, '0x'),
    ]);
    expect(dvnOption(0, 1, '0x')).toBe('0x0200020001');
    const decoded = decodeOptions(options);
    expect(decoded.map((option) => option.worker)).toEqual([WORKER_DVN, WORKER_EXECUTOR, WORKER_EXECUTOR, WORKER_EXECUTOR, WORKER_DVN]);
    expect(executionBudget(options)).toEqual({ gas: 150_000n, value: 2n, ordered: false });
  });

  it('is zero for type-3 options with no options', () => {
    expect(decodeOptions('0x0003')).toEqual([]);
    expect(executionBudget('0x0003')).toEqual({ gas: 0n, value: 0n, ordered: false });
  });

  it('is zero when only a DVN asked for something', () => {
    const options = concat(['0x0003', dvnOption(0, 1, '0x')]);
    expect(decodeOptions(options)).toHaveLength(1);
    expect(executionBudget(options)).toEqual({ gas: 0n, value: 0n, ordered: false });
  });
});

describe('malformed options', () => {
  it('rejects fewer than 2 bytes', () => {
    for (const options of ['0x', '0x00', '0x03'] as Hex[]) {
      expectOptionsError(() => decodeOptions(options), 'shorter than the 2-byte type', options);
      expectOptionsError(() => executionBudget(options), 'shorter than the 2-byte type', options);
    }
  });

  it('reads the gas of legacy types 1 and 2 (which the ULN still converts) but refuses to list them as type 3', () => {
    const type1 = concat(['0x0001', toHex(200_000n, { size: 32 })]);
    expectOptionsError(() => decodeOptions(type1), 'type 1, only type 3 is supported', type1);
    expect(executionBudget(type1)).toEqual({ gas: 200_000n, value: 0n, ordered: false });
    const type2 = concat(['0x0002', toHex(150_000n, { size: 32 }), toHex(1n, { size: 32 }), `0x${'22'.repeat(20)}`]);
    expectOptionsError(() => decodeOptions(type2), 'type 2, only type 3 is supported', type2);
    // The type-2 native drop goes to its receiver, not to lzReceive.
    expect(executionBudget(type2)).toEqual({ gas: 150_000n, value: 0n, ordered: false });
    expectOptionsError(() => executionBudget(concat([type1, '0x00'])), 'legacy type 1 options of 35 bytes', concat([type1, '0x00']));
    expectOptionsError(() => executionBudget(type2.slice(0, 2 + 66 * 2) as Hex), 'legacy type 2 options of 66 bytes', type2.slice(0, 2 + 66 * 2) as Hex);
  });

  it('rejects unknown types', () => {
    expectOptionsError(() => decodeOptions('0x0000'), 'type 0, only type 3 is supported', '0x0000');
    expectOptionsError(() => decodeOptions('0x0004'), 'type 4, only type 3 is supported', '0x0004');
    // A type-3 body behind the wrong prefix is still refused.
    const wrongPrefix = concat(['0x0001', lzReceiveOptions(200_000n).slice(6) as Hex]);
    expectOptionsError(() => decodeOptions(wrongPrefix), 'type 1, only type 3 is supported', wrongPrefix);
  });

  it('rejects a truncated option header', () => {
    for (const options of ['0x000301', '0x00030100', '0x0003010011'] as Hex[]) {
      expectOptionsError(() => decodeOptions(options), 'truncated option header at byte 2', options);
    }
    const second = concat([lzReceiveOptions(200_000n), '0x0100']);
    expectOptionsError(() => decodeOptions(second), 'truncated option header at byte 22', second);
    expectOptionsError(() => executionBudget(second), 'truncated option header at byte 22', second);
  });

  it('rejects an option whose size overruns the options', () => {
    const short = lzReceiveOptions(200_000n).slice(0, -2) as Hex; // 15 of the 16 gas bytes
    expectOptionsError(() => decodeOptions(short), 'option at byte 2 overruns the options', short);
    expectOptionsError(() => executionBudget(short), 'option at byte 2 overruns the options', short);
    const oversized = concat(['0x0003', u8(WORKER_EXECUTOR), u16(0xffff), u8(EXECUTOR_OPTION_LZRECEIVE), u128(1n)]);
    expectOptionsError(() => decodeOptions(oversized), 'option at byte 2 overruns the options', oversized);
    const second = concat([lzReceiveOptions(1n), u8(WORKER_EXECUTOR), u16(18), u8(EXECUTOR_OPTION_LZRECEIVE), u128(1n)]);
    expectOptionsError(() => decodeOptions(second), 'option at byte 22 overruns the options', second);
  });

  it('rejects an option of size 0', () => {
    const zero = concat(['0x0003', u8(WORKER_EXECUTOR), u16(0), u8(EXECUTOR_OPTION_LZRECEIVE)]);
    expectOptionsError(() => decodeOptions(zero), 'option at byte 2 overruns the options', zero);
  });

  it('rejects an lzReceive body that is neither 16 nor 32 bytes', () => {
    for (const length of [0, 1, 15, 17, 31, 33, 48]) {
      const options = concat(['0x0003', executorOption(EXECUTOR_OPTION_LZRECEIVE, toHex(new Uint8Array(length).fill(1)))]);
      // The layout is fine; only the lzReceive body is wrong.
      expect(decodeOptions(options)).toHaveLength(1);
      expectOptionsError(() => executionBudget(options), `lzReceive option of ${length} bytes`, options);
    }
  });

  it('rejects a bad lzReceive option even after a good one', () => {
    const options = concat([lzReceiveOptions(200_000n), executorOption(EXECUTOR_OPTION_LZRECEIVE, '0x01')]);
    expectOptionsError(() => executionBudget(options), 'lzReceive option of 1 bytes', options);
  });
});
