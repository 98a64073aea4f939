// Where LayerZero v2's compiled contracts live in their npm packages (they are not in forge's out/),
// by the name Ballast gives each one. The one list both readers use: wagmi.config.ts generates
// `<name>Abi` from each artifact, and the devnet deploys each artifact's bytecode. Imported as
// `@ballast/abi/layerzero-artifacts`: the package's root exports ABIs only (the relayer decodes
// reverts with every one of them).

/** LayerZero artifacts (module paths) by the name the generated ABI gets (`<name>Abi`). */
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

/** Name of a LayerZero contract the devnet deploys. */
export type LayerZeroContract = keyof typeof layerZeroArtifacts;
