// Deploys LayerZero v2's production contracts on one devnet chain and wires its pathways:
// EndpointV2, SendUln302, ReceiveUln302, the production DVN (the courier's signer key is its only
// signer, quorum 1) with DVNFeeLib, the production Executor with ExecutorFeeLib, and PriceFeed.
// Set-up order matters (shared/notes/LAYERZERO.md): libraries are registered, then configured per
// remote eid, and only then set as the endpoint's defaults.
import type { LayerZeroDeployment } from '@ballast/protocol';
import {
  dvnAbi,
  dvnFeeLibAbi,
  endpointV2Abi,
  executorAbi,
  executorFeeLibAbi,
  priceFeedAbi,
  receiveUln302Abi,
  sendUln302Abi,
} from '@ballast/abi';
import { type Address, zeroAddress } from 'viem';
import { layerZeroBytecode } from './artifacts.ts';
import type { ChainDeployer } from './deployer.ts';

/** Verifier id of the devnet DVN. */
export const DEVNET_DVN_VID = 1;
/** Largest message the send library accepts, in bytes. */
export const MAX_MESSAGE_SIZE = 10_000;
const NATIVE_DECIMALS_RATE = 10n ** 18n;
const PRICE_RATIO_DENOMINATOR = 10n ** 20n;

export type LayerZeroSetup = {
  eid: number;
  deployer: ChainDeployer;
  dvnSigners: Address[];
  /** Addresses allowed to call `DVN.execute` (one per courier process). */
  couriers: Address[];
};

/** Deploys the stack on one chain; pathways are wired later by `wirePathway`. */
export async function deployLayerZero({ eid, deployer, dvnSigners, couriers }: LayerZeroSetup): Promise<LayerZeroDeployment> {
  const owner = deployer.account.address;
  const admins = [owner, ...couriers];
  const endpoint = await deployer.deploy('EndpointV2', layerZeroBytecode('EndpointV2'), endpointV2Abi, [eid, owner]);
  const sendUln302 = await deployer.deploy('SendUln302', layerZeroBytecode('SendUln302'), sendUln302Abi, [endpoint, 0n, 0n]);
  const receiveUln302 = await deployer.deploy('ReceiveUln302', layerZeroBytecode('ReceiveUln302'), receiveUln302Abi, [endpoint]);

  // PriceFeed and Executor are proxy implementations; `proxied` lets them be initialised directly.
  const priceFeed = await deployer.deploy('PriceFeed', layerZeroBytecode('PriceFeed'), priceFeedAbi);
  await deployer.write('PriceFeed.initialize', priceFeed, priceFeedAbi, 'initialize', [owner]);
  await deployer.write('PriceFeed.setNativeTokenPriceUSD', priceFeed, priceFeedAbi, 'setNativeTokenPriceUSD', [3_000n * PRICE_RATIO_DENOMINATOR]);

  const dvnFeeLib = await deployer.deploy('DVNFeeLib', layerZeroBytecode('DvnFeeLib'), dvnFeeLibAbi, [eid, NATIVE_DECIMALS_RATE]);
  const dvn = await deployer.deploy('DVN', layerZeroBytecode('Dvn'), dvnAbi, [
    eid,
    DEVNET_DVN_VID,
    [sendUln302, receiveUln302],
    priceFeed,
    [...dvnSigners].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
    1n,
    admins,
  ]);
  await deployer.write('DVN.setWorkerFeeLib', dvn, dvnAbi, 'setWorkerFeeLib', [dvnFeeLib]);

  const executorFeeLib = await deployer.deploy('ExecutorFeeLib', layerZeroBytecode('ExecutorFeeLib'), executorFeeLibAbi, [eid, NATIVE_DECIMALS_RATE]);
  const executor = await deployer.deploy('Executor', layerZeroBytecode('Executor'), executorAbi);
  await deployer.write('Executor.initialize', executor, executorAbi, 'initialize', [endpoint, zeroAddress, [sendUln302], priceFeed, owner, admins]);
  await deployer.write('Executor.setWorkerFeeLib', executor, executorAbi, 'setWorkerFeeLib', [executorFeeLib]);

  await deployer.write('EndpointV2.registerLibrary(send)', endpoint, endpointV2Abi, 'registerLibrary', [sendUln302]);
  await deployer.write('EndpointV2.registerLibrary(receive)', endpoint, endpointV2Abi, 'registerLibrary', [receiveUln302]);

  return {
    endpoint,
    sendUln302,
    receiveUln302,
    priceFeed,
    dvn,
    dvnFeeLib,
    executor,
    executorFeeLib,
    dvnVid: DEVNET_DVN_VID,
    dvnSigners,
    dvnQuorum: 1,
  };
}

export type PathwaySide = { deployer: ChainDeployer; layerZero: LayerZeroDeployment };

/**
 * Configures `local` to send to and receive from `remoteEid`: prices and worker configs for the
 * remote, ULN configs (the local DVN required, `confirmations` blocks), executor config, and the
 * endpoint's default libraries.
 */
export async function wirePathway(
  { deployer, layerZero }: PathwaySide,
  remoteEid: number,
  { sendConfirmations, receiveConfirmations }: { sendConfirmations: number; receiveConfirmations: number },
): Promise<void> {
  const { endpoint, sendUln302, receiveUln302, priceFeed, dvn, executor } = layerZero;
  const price = { priceRatio: PRICE_RATIO_DENOMINATOR, gasPriceInUnit: 1_000_000_000n, gasPerByte: 16 };
  // PriceFeed looks prices up by eid % 30_000.
  await deployer.write('PriceFeed.setPrice', priceFeed, priceFeedAbi, 'setPrice', [
    [
      { eid: remoteEid, price },
      { eid: remoteEid % 30_000, price },
    ],
  ]);
  await deployer.write('DVN.setDstConfig', dvn, dvnAbi, 'setDstConfig', [[{ dstEid: remoteEid, gas: 200_000n, multiplierBps: 10_000, floorMarginUSD: 0n }]]);
  await deployer.write('Executor.setDstConfig', executor, executorAbi, 'setDstConfig', [
    [{ dstEid: remoteEid, lzReceiveBaseGas: 20_000n, lzComposeBaseGas: 20_000n, multiplierBps: 10_000, floorMarginUSD: 0n, nativeCap: 10n ** 20n }],
  ]);
  const uln = (confirmations: number) => ({
    confirmations: BigInt(confirmations),
    requiredDVNCount: 1,
    optionalDVNCount: 0,
    optionalDVNThreshold: 0,
    requiredDVNs: [dvn],
    optionalDVNs: [],
  });
  await deployer.write('SendUln302.setDefaultUlnConfigs', sendUln302, sendUln302Abi, 'setDefaultUlnConfigs', [[{ eid: remoteEid, config: uln(sendConfirmations) }]]);
  await deployer.write('SendUln302.setDefaultExecutorConfigs', sendUln302, sendUln302Abi, 'setDefaultExecutorConfigs', [
    [{ eid: remoteEid, config: { maxMessageSize: MAX_MESSAGE_SIZE, executor } }],
  ]);
  await deployer.write('ReceiveUln302.setDefaultUlnConfigs', receiveUln302, receiveUln302Abi, 'setDefaultUlnConfigs', [
    [{ eid: remoteEid, config: uln(receiveConfirmations) }],
  ]);
  await deployer.write('EndpointV2.setDefaultSendLibrary', endpoint, endpointV2Abi, 'setDefaultSendLibrary', [remoteEid, sendUln302]);
  await deployer.write('EndpointV2.setDefaultReceiveLibrary', endpoint, endpointV2Abi, 'setDefaultReceiveLibrary', [remoteEid, receiveUln302, 0n]);
}
