// Every custom error of the vault, mirror, pool, oracle adapter, endpoint and receive library decodes into
// a typed BallastContractError: its name and arguments as encoded, a message that names it, says what
// happened (its NatSpec notice) and what to do, on BallastError's shape. Errors are taken from the ABIs,
// so a new error in a contract is covered here without touching this test.
import { BallastError } from '@ballast/protocol/core';
import { type AbiParameter, BaseError, ContractFunctionRevertedError, type Hex, encodeErrorResult, getAddress, keccak256, toHex } from 'viem';
import { describe, expect, test } from 'vitest';
import { BALLAST_ERROR_ABI } from './abi.ts';
import { BallastContractError, decodeBallastError } from './contract.ts';
import { ERROR_NOTICES } from './notices.generated.ts';

/** A deterministic value of ABI type `parameter` (seeded by `seed`), as viem decodes it. */
function sampleOf(parameter: AbiParameter, seed: number): unknown {
  const { type } = parameter;
  if (type.endsWith('[]')) return [sampleOf({ ...parameter, type: type.slice(0, -2) }, seed), sampleOf({ ...parameter, type: type.slice(0, -2) }, seed + 1)];
  if (type === 'tuple') return Object.fromEntries(((parameter as { components: readonly AbiParameter[] }).components ?? []).map((component, index) => [component.name, sampleOf(component, seed + index)]));
  if (type === 'address') return getAddress(keccak256(toHex(`address-${seed}`)).slice(0, 42));
  if (type === 'bool') return seed % 2 === 0;
  if (type === 'string') return `text-${seed}`;
  if (type === 'bytes') return toHex(`bytes-${seed}`);
  if (type.startsWith('bytes')) return keccak256(toHex(`fixed-${seed}`)).slice(0, 2 + 2 * Number(type.slice(5)));
  const bits = Number(type.replace(/^u?int/, '') || 256);
  const value = BigInt((seed * 7 + 3) % 100);
  const asNumber = bits <= 48;
  if (type.startsWith('int')) return asNumber ? -Number(value) : -value;
  return asNumber ? Number(value) : value;
}

describe('decodeBallastError', () => {
  test('every custom error of every contract the SDK calls decodes to its typed error with a message that says what and what to do', () => {
    expect(BALLAST_ERROR_ABI.length).toBeGreaterThan(100);
    for (const [index, item] of BALLAST_ERROR_ABI.entries()) {
      const args = item.inputs.map((input, position) => sampleOf(input, index * 10 + position));
      const data = encodeErrorResult({ abi: [item], errorName: item.name, args } as Parameters<typeof encodeErrorResult>[0]);
      const error = decodeBallastError(data);
      expect(error, item.name).toBeInstanceOf(BallastContractError);
      expect(error).toBeInstanceOf(BallastError);
      expect(error?.errorName).toBe(item.name);
      expect(error?.args).toEqual(args);
      expect(error?.data).toBe(data);
      expect(error?.shortMessage).toContain(item.name);
      expect(error?.shortMessage).toContain(ERROR_NOTICES[item.name]);
      // What to do: a sentence after the error itself.
      expect(error?.shortMessage.split(`${item.name}(`)[1]?.split(')').slice(1).join(')').trim().length, item.name).toBeGreaterThan(10);
      expect(error?.docsPath).toBe('PROTOCOL.md');
    }
  });

  test('our errors carry their NatSpec notice, not a name read back', () => {
    expect(ERROR_NOTICES.Vault_ExportExceedsPower).toBe('an export would take exported credit over borrowing power');
    expect(ERROR_NOTICES.Mirror_HeartbeatStale).toMatch(/heartbeat/);
    const error = decodeBallastError(encodeErrorResult({ abi: BALLAST_ERROR_ABI, errorName: 'Vault_ExportExceedsPower', args: ['0x0000000000000000000000000000000000000001', 5n, 3n] }));
    expect(error?.shortMessage).toBe(
      'Refused: an export would take exported credit over borrowing power (Vault_ExportExceedsPower(0x0000000000000000000000000000000000000001, 5, 3)). Export at most `maxExport` from getPosition, or deposit more collateral first.',
    );
    // Narrowing on the name types the arguments (a compile-time check as much as a runtime one).
    if (error?.errorName !== 'Vault_ExportExceedsPower') throw new Error('expected Vault_ExportExceedsPower');
    const [, requested, available]: readonly [`0x${string}`, bigint, bigint] = error.args;
    expect(requested - available).toBe(2n);
  });

  test('finds the revert data inside a viem error, and leaves alone what it cannot decode', () => {
    const data: Hex = encodeErrorResult({ abi: BALLAST_ERROR_ABI, errorName: 'Vault_ZeroAmount' });
    const viemError = new ContractFunctionRevertedError({ abi: [], functionName: 'withdraw', data });
    const wrapped = new BaseError('call failed', { cause: viemError });
    expect(decodeBallastError(wrapped)?.errorName).toBe('Vault_ZeroAmount');
    expect(decodeBallastError('0xdeadbeef')).toBeUndefined();
    expect(decodeBallastError(new Error('network down'))).toBeUndefined();
    expect(decodeBallastError(undefined)).toBeUndefined();
  });
});
