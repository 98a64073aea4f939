// Turns revert data into a readable reason using every ABI the repo generates (Ballast's contracts
// and LayerZero's), so an operator sees `PingOApp_Refused(40101, 7)` instead of a selector.
import * as abis from '@ballast/abi';
import { type Abi, BaseError, ContractFunctionRevertedError, type Hex, decodeErrorResult } from 'viem';

const knownErrors: Abi = Object.values(abis as Record<string, Abi>)
  .flat()
  .filter((item) => item.type === 'error');

export function decodeRevert(data: Hex | undefined): string {
  if (!data || data === '0x') return 'reverted without data (out of gas, or a bare revert)';
  try {
    const decoded = decodeErrorResult({ abi: knownErrors, data });
    const args = (decoded.args ?? []).map((arg) => String(arg)).join(', ');
    return `${decoded.errorName}(${args})`;
  } catch {
    return `unknown error ${data.slice(0, 10)} (data ${data})`;
  }
}

/** Best-effort reason of a viem call/simulation error. */
export function revertReason(error: unknown): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data) return `${reverted.data.errorName}(${(reverted.data.args ?? []).map(String).join(', ')})`;
      if (reverted.raw) return decodeRevert(reverted.raw);
    }
    const withData = error.walk((cause) => typeof (cause as { data?: unknown }).data === 'string') as { data?: Hex } | null;
    if (withData?.data) return decodeRevert(withData.data);
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}

