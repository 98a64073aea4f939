// Bytecode for deployment: LayerZero's production contracts from their npm packages' compiled
// artifacts (listed in @ballast/abi/layerzero-artifacts), Ballast's own and OpenZeppelin's
// TimelockController from forge's out/. ABIs come from @ballast/abi (generated), never from here.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LayerZeroContract, layerZeroArtifacts } from '@ballast/abi/layerzero-artifacts';
import { BallastError } from '@ballast/protocol';
import type { Address, Hex } from 'viem';

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
type LinkReferences = Record<string, Record<string, { start: number; length: number }[]>>;

/**
 * Creation bytecode of a contract from forge's out/ (run `pnpm build:contracts` first). Like forge
 * and `pnpm build:abi`, honours `FOUNDRY_OUT` (relative to the repository root) when it is set.
 * A contract that calls external library functions (CollateralVault → VaultLogic) needs each
 * library's deployed address in `libraries`, by library name; it is written into the placeholders.
 */
export function forgeBytecode(contract: string, libraries: Record<string, Address> = {}): Hex {
  const path = join(resolve(repoRoot, process.env.FOUNDRY_OUT ?? 'out'), `${contract}.sol`, `${contract}.json`);
  let bytecode: { object: Hex; linkReferences?: LinkReferences };
  try {
    bytecode = (JSON.parse(readFileSync(path, 'utf8')) as { bytecode: typeof bytecode }).bytecode;
  } catch (cause) {
    throw new ArtifactError(`No forge artifact for ${contract} at ${path}.`, { details: 'Run `pnpm build` first.', cause });
  }
  let code = bytecode.object;
  for (const references of Object.values(bytecode.linkReferences ?? {})) {
    for (const [library, offsets] of Object.entries(references)) {
      const address = libraries[library];
      if (!address) {
        throw new ArtifactError(`${contract} calls library ${library}, but no address was given for it.`, {
          details: `Deploy ${library} first and pass it: forgeBytecode('${contract}', { ${library}: address }).`,
        });
      }
      for (const { start, length } of offsets) {
        const at = 2 + start * 2;
        code = `${code.slice(0, at)}${address.slice(2).toLowerCase()}${code.slice(at + length * 2)}` as Hex;
      }
    }
  }
  return code;
}
