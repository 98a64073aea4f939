// Bytecode for deployment: LayerZero's production contracts from their npm packages' compiled
// artifacts (listed in @ballast/abi/layerzero-artifacts), Ballast's own and OpenZeppelin's
// TimelockController from forge's out/. ABIs come from @ballast/abi (generated), never from here.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LayerZeroContract, layerZeroArtifacts } from '@ballast/abi/layerzero-artifacts';
import { BallastError } from '@ballast/protocol';
import type { Hex } from 'viem';

const require = createRequire(import.meta.url);

/** Repository root (where foundry.toml and out/ live). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export class ArtifactError extends BallastError {
  override name = 'ArtifactError';
}

export function layerZeroBytecode(name: LayerZeroContract): Hex {
  const artifact = JSON.parse(readFileSync(require.resolve(layerZeroArtifacts[name]), 'utf8')) as { bytecode: Hex };
  return artifact.bytecode;
}

/**
 * Creation bytecode of a contract from forge's out/ (run `pnpm build:contracts` first). Like forge
 * and `pnpm build:abi`, honours `FOUNDRY_OUT` (relative to the repository root) when it is set.
 */
export function forgeBytecode(contract: string): Hex {
  const path = join(resolve(repoRoot, process.env.FOUNDRY_OUT ?? 'out'), `${contract}.sol`, `${contract}.json`);
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { bytecode: { object: Hex } }).bytecode.object;
  } catch (cause) {
    throw new ArtifactError(`No forge artifact for ${contract} at ${path}.`, { details: 'Run `pnpm build` first.', cause });
  }
}
