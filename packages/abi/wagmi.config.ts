// Generates src/generated.ts: typed ABIs for Ballast's contracts (from forge's out/) and for the
// LayerZero v2 contracts the devnet deploys (from the npm packages' compiled artifacts, which are
// not in out/). Run `pnpm build:abi` after `forge build`; never edit the output by hand.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from '@wagmi/cli';
import { foundry } from '@wagmi/cli/plugins';
import type { Abi } from 'viem';

const require = createRequire(import.meta.url);

/** LayerZero artifacts by the name the generated ABI gets (`<name>Abi`). */
export const layerZeroArtifacts = {
  EndpointV2: '@layerzerolabs/lz-evm-protocol-v2/artifacts/contracts/EndpointV2.sol/EndpointV2.json',
  SendUln302: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/uln/uln302/SendUln302.sol/SendUln302.json',
  ReceiveUln302: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/uln/uln302/ReceiveUln302.sol/ReceiveUln302.json',
  Dvn: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/uln/dvn/DVN.sol/DVN.json',
  DvnFeeLib: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/uln/dvn/DVNFeeLib.sol/DVNFeeLib.json',
  Executor: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/Executor.sol/Executor.json',
  ExecutorFeeLib: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/ExecutorFeeLib.sol/ExecutorFeeLib.json',
  PriceFeed: '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/PriceFeed.sol/PriceFeed.json',
} as const;

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
      ],
    }),
  ],
});
