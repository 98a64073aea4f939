// Bytecode for deployment: LayerZero's production contracts from their npm packages' compiled
// artifacts, Ballast's own from forge's out/. ABIs come from @ballast/abi (generated), never from here.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BallastError } from '@ballast/protocol';
import type { Hex } from 'viem';

const require = createRequire(import.meta.url);

/** Repository root (where foundry.toml and out/ live). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const layerZeroPaths = {
  EndpointV2: '@layerzerolabs/lz-evm-protocol-v2/artifacts/contracts/EndpointV2.sol/EndpointV2.json',
  SendUln302: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/uln/uln302/SendUln302.sol/SendUln302.json',
  ReceiveUln302: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/uln/uln302/ReceiveUln302.sol/ReceiveUln302.json',
  DVN: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/uln/dvn/DVN.sol/DVN.json',
  DVNFeeLib: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/uln/dvn/DVNFeeLib.sol/DVNFeeLib.json',
  Executor: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/Executor.sol/Executor.json',
  ExecutorFeeLib: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/ExecutorFeeLib.sol/ExecutorFeeLib.json',
  PriceFeed: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/PriceFeed.sol/PriceFeed.json',
} as const;

export type LayerZeroContract = keyof typeof layerZeroPaths;

export class ArtifactError extends BallastError {
  override name = 'ArtifactError';
}

export function layerZeroBytecode(name: LayerZeroContract): Hex {
  const artifact = JSON.parse(readFileSync(require.resolve(layerZeroPaths[name]), 'utf8')) as { bytecode: Hex };
  return artifact.bytecode;
}

/** Creation bytecode of a Ballast contract from forge's out/ (run `pnpm build:contracts` first). */
export function forgeBytecode(contract: string): Hex {
  const path = join(repoRoot, 'out', `${contract}.sol`, `${contract}.json`);
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { bytecode: { object: Hex } }).bytecode.object;
  } catch (cause) {
    throw new ArtifactError(`No forge artifact for ${contract} at ${path}.`, { details: 'Run `pnpm build` first.', cause });
  }
}
