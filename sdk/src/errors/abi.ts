// The custom errors of every contract the SDK calls, gathered from the generated ABIs: the vault, the
// mirror, the lending pool, the oracle adapter, the LayerZero endpoint and its receive library. A revert
// from any of them decodes against this one list (errors/contract.ts); nothing here is written by hand.
import { chainlinkOracleAdapterAbi, collateralVaultAbi, creditLendingPoolAbi, creditMirrorAbi, endpointV2Abi, receiveUln302Abi } from '../abi.generated.ts';

type ErrorsOf<abi extends readonly unknown[]> = Extract<abi[number], { type: 'error' }>;

/** Every ABI error item of the contracts the SDK calls. */
export type BallastErrorAbiItem =
  | ErrorsOf<typeof collateralVaultAbi>
  | ErrorsOf<typeof creditMirrorAbi>
  | ErrorsOf<typeof creditLendingPoolAbi>
  | ErrorsOf<typeof chainlinkOracleAdapterAbi>
  | ErrorsOf<typeof endpointV2Abi>
  | ErrorsOf<typeof receiveUln302Abi>;

/** The name of every custom error the SDK can decode (`Vault_ExportExceedsPower`, `LZ_InvalidNonce`, …). */
export type BallastContractErrorName = BallastErrorAbiItem['name'];

function errorsOf<const abi extends readonly { type: string }[]>(abi: abi): Extract<abi[number], { type: 'error' }>[] {
  return abi.filter((item): item is Extract<abi[number], { type: 'error' }> => item.type === 'error');
}

/** One ABI of every error (duplicates by signature dropped: OpenZeppelin's and LayerZero's appear in several contracts). */
export const BALLAST_ERROR_ABI: readonly BallastErrorAbiItem[] = (() => {
  const seen = new Set<string>();
  const items: BallastErrorAbiItem[] = [];
  for (const item of [
    ...errorsOf(collateralVaultAbi),
    ...errorsOf(creditMirrorAbi),
    ...errorsOf(creditLendingPoolAbi),
    ...errorsOf(chainlinkOracleAdapterAbi),
    ...errorsOf(endpointV2Abi),
    ...errorsOf(receiveUln302Abi),
  ] as BallastErrorAbiItem[]) {
    const signature = `${item.name}(${(item.inputs as readonly { type: string }[]).map((input) => input.type).join(',')})`;
    if (seen.has(signature)) continue;
    seen.add(signature);
    items.push(item);
  }
  return items;
})();
