// Generates src/generated.ts: typed ABIs for Ballast's contracts (from forge's out/) and for the
// LayerZero v2 contracts the devnet deploys (from the npm packages' compiled artifacts listed in
// src/layerzero-artifacts.ts, which are not in out/). Run `pnpm build:abi` after `forge build`; never
// edit the output by hand.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from '@wagmi/cli';
import { foundry } from '@wagmi/cli/plugins';
import type { Abi } from 'viem';
import { layerZeroArtifacts } from './src/layerzero-artifacts.ts';

const require = createRequire(import.meta.url);

function artifactAbi(modulePath: string): Abi {
  return JSON.parse(readFileSync(require.resolve(modulePath), 'utf8')).abi as Abi;
}

export default defineConfig({
  out: 'src/generated.ts',
  contracts: Object.entries(layerZeroArtifacts).map(([name, path]) => ({ name, abi: artifactAbi(path) })),
  plugins: [
    foundry({
      project: '../..',
      forge: { build: false, path: '../../node_modules/.bin/forge' },
      include: [
        'PingOApp.sol/**',
        'CollateralVault.sol/**',
        'CreditMirror.sol/**',
        'CreditLendingPool.sol/**',
        'ChainlinkOracleAdapter.sol/**',
        'MockAggregator.sol/**',
        'TestToken.sol/**',
        'RiskHarness.sol/**',
        // OpenZeppelin's, built through contracts/src/devnet/Governance.sol: the devnet's governance.
        'TimelockController.sol/**',
      ],
    }),
  ],
});
