// The custom errors of every contract the SDK calls — the vault, the mirror, the lending pool, the oracle
// adapter, the LayerZero endpoint and its receive library — once per signature, as generated from their
// ABIs into abi.generated.ts. A revert from any of them decodes against this one list (errors/contract.ts);
// nothing here is written by hand.
import { ballastErrorAbi } from '../abi.generated.ts';

/** Every ABI error item of the contracts the SDK calls. */
export type BallastErrorAbiItem = (typeof ballastErrorAbi)[number];

/** The name of every custom error the SDK can decode (`Vault_ExportExceedsPower`, `LZ_InvalidNonce`, …). */
export type BallastContractErrorName = BallastErrorAbiItem['name'];

/** One ABI of every error (duplicates by signature dropped: OpenZeppelin's and LayerZero's appear in several contracts). */
export const BALLAST_ERROR_ABI: readonly BallastErrorAbiItem[] = ballastErrorAbi;
