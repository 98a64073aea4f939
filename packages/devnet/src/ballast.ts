// Deploys Ballast on the devnet: on home, the oracle adapter with mock feeds, two collateral tokens
// (WETH 18 decimals at $2,000, WBTC 8 decimals at $60,000) and the CollateralVault; on every remote,
// a CreditMirror, a USDC-like token (6 decimals) and the reference CreditLendingPool with liquidity.
// Wires the vault and mirrors as peers with enforced options, and records every address in the
// deployments file. The deployer owns everything here; a real deployment hands ownership to a
// timelock (docs/PROTOCOL.md, governance).
import {
  chainlinkOracleAdapterAbi,
  collateralVaultAbi,
  creditLendingPoolAbi,
  creditMirrorAbi,
  mockAggregatorAbi,
  testTokenAbi,
} from '@ballast/abi';
import { ENFORCED_LZ_RECEIVE_GAS, MESSAGE_TYPES, type ChainDeployment, addressToBytes32, homeChain, lzReceiveOptions } from '@ballast/protocol';
import { type Address, maxUint128, parseUnits } from 'viem';
import { forgeBytecode } from './artifacts.ts';
import { ChainDeployer, devnetChain } from './deployer.ts';
import type { Devnet } from './devnet.ts';
import { devnetKeys } from './keys.ts';

export const BALLAST_CONTRACTS = {
  vault: 'collateralVault',
  oracle: 'oracleAdapter',
  weth: 'weth',
  wbtc: 'wbtc',
  wethFeed: 'wethFeed',
  wbtcFeed: 'wbtcFeed',
  mirror: 'creditMirror',
  usdc: 'usdc',
  pool: 'lendingPool',
} as const;

export type BallastDevnetOptions = {
  /** Seconds a GRANT may be in flight. @defaultValue 3_600 */
  grantTtl?: number;
  /** Seconds after the last message from home that draws stay open. @defaultValue 86_400 */
  heartbeatPeriod?: number;
  /** Pool interest per second, 1e18 = 100%. @defaultValue 1e9 (~3% a year) */
  ratePerSecond?: bigint;
  /** USDC each pool starts with. @defaultValue 10,000,000 */
  poolLiquidity?: bigint;
};

function deployerFor(chain: ChainDeployment): ChainDeployer {
  return new ChainDeployer(devnetChain(chain.chainId, chain.rpcUrl, chain.name), devnetKeys.deployer);
}

export async function deployBallast(devnet: Devnet, options: BallastDevnetOptions = {}): Promise<void> {
  const { grantTtl = 3_600, heartbeatPeriod = 86_400, ratePerSecond = 1_000_000_000n, poolLiquidity = parseUnits('10000000', 6) } = options;
  const home = homeChain(devnet.deployments);
  const remotes = devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  const homeDeployer = deployerFor(home);
  const owner = homeDeployer.account.address;

  // Home: tokens, feeds, oracle adapter, vault.
  const oracle = await homeDeployer.deploy('ChainlinkOracleAdapter', forgeBytecode('ChainlinkOracleAdapter'), chainlinkOracleAdapterAbi, [owner]);
  const weth = await homeDeployer.deploy('WETH', forgeBytecode('TestToken'), testTokenAbi, ['Wrapped Ether', 'WETH', 18]);
  const wbtc = await homeDeployer.deploy('WBTC', forgeBytecode('TestToken'), testTokenAbi, ['Wrapped Bitcoin', 'WBTC', 8]);
  const wethFeed = await homeDeployer.deploy('ETH/USD feed', forgeBytecode('MockAggregator'), mockAggregatorAbi, [8, 'ETH / USD', 2_000n * 10n ** 8n]);
  const wbtcFeed = await homeDeployer.deploy('BTC/USD feed', forgeBytecode('MockAggregator'), mockAggregatorAbi, [8, 'BTC / USD', 60_000n * 10n ** 8n]);
  // Day-long heartbeats: devnet feeds only move when a test moves them.
  for (const [asset, feed, max] of [
    [weth, wethFeed, 10n ** 24n],
    [wbtc, wbtcFeed, 10n ** 25n],
  ] as const) {
    await homeDeployer.write('oracle.setFeed', oracle, chainlinkOracleAdapterAbi, 'setFeed', [asset, { aggregator: feed, heartbeat: 86_400, minPrice: 10n ** 16n, maxPrice: max }]);
  }
  const vault = await homeDeployer.deploy('CollateralVault', forgeBytecode('CollateralVault'), collateralVaultAbi, [home.layerZero.endpoint, owner, oracle]);
  await homeDeployer.write('vault.configureAsset(WETH)', vault, collateralVaultAbi, 'configureAsset', [weth, 8_000, 8_500, 500, maxUint128, true]);
  await homeDeployer.write('vault.configureAsset(WBTC)', vault, collateralVaultAbi, 'configureAsset', [wbtc, 7_000, 7_500, 1_000, maxUint128, true]);
  await homeDeployer.write('vault.setRateLimit', vault, collateralVaultAbi, 'setRateLimit', [86_400, 10n ** 30n]);

  // Remotes: mirror, USDC, pool with liquidity.
  const remoteContracts = await Promise.all(
    remotes.map(async (remote) => {
      const deployer = deployerFor(remote);
      const mirror = await deployer.deploy('CreditMirror', forgeBytecode('CreditMirror'), creditMirrorAbi, [remote.layerZero.endpoint, owner, home.eid, heartbeatPeriod]);
      const usdc = await deployer.deploy('USDC', forgeBytecode('TestToken'), testTokenAbi, ['USD Coin', 'USDC', 6]);
      const pool = await deployer.deploy('CreditLendingPool', forgeBytecode('CreditLendingPool'), creditLendingPoolAbi, [mirror, usdc, ratePerSecond]);
      await deployer.write('mirror.configureConsumer', mirror, creditMirrorAbi, 'configureConsumer', [pool, true, maxUint128]);
      await deployer.write('mirror.setPeer', mirror, creditMirrorAbi, 'setPeer', [home.eid, addressToBytes32(vault)]);
      await deployer.write('mirror.setEnforcedOptions', mirror, creditMirrorAbi, 'setEnforcedOptions', [
        [
          { eid: home.eid, msgType: MESSAGE_TYPES.release, options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS.release) },
          { eid: home.eid, msgType: MESSAGE_TYPES.usage, options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS.usage) },
        ],
      ]);
      await deployer.write('usdc.mint', usdc, testTokenAbi, 'mint', [owner, poolLiquidity]);
      await deployer.write('usdc.approve', usdc, testTokenAbi, 'approve', [pool, poolLiquidity]);
      await deployer.write('pool.supply', pool, creditLendingPoolAbi, 'supply', [poolLiquidity]);
      return { remote, mirror, usdc, pool };
    }),
  );

  for (const { remote, mirror } of remoteContracts) {
    await homeDeployer.write('vault.configureRemote', vault, collateralVaultAbi, 'configureRemote', [remote.eid, true, grantTtl, 10n ** 30n]);
    await homeDeployer.write('vault.setPeer', vault, collateralVaultAbi, 'setPeer', [remote.eid, addressToBytes32(mirror)]);
    await homeDeployer.write('vault.setEnforcedOptions', vault, collateralVaultAbi, 'setEnforcedOptions', [
      [
        { eid: remote.eid, msgType: MESSAGE_TYPES.grant, options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS.grant) },
        { eid: remote.eid, msgType: MESSAGE_TYPES.heartbeat, options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS.heartbeat) },
      ],
    ]);
  }

  Object.assign(home.contracts, {
    [BALLAST_CONTRACTS.vault]: vault,
    [BALLAST_CONTRACTS.oracle]: oracle,
    [BALLAST_CONTRACTS.weth]: weth,
    [BALLAST_CONTRACTS.wbtc]: wbtc,
    [BALLAST_CONTRACTS.wethFeed]: wethFeed,
    [BALLAST_CONTRACTS.wbtcFeed]: wbtcFeed,
  } satisfies Record<string, Address>);
  for (const { remote, mirror, usdc, pool } of remoteContracts) {
    Object.assign(remote.contracts, { [BALLAST_CONTRACTS.mirror]: mirror, [BALLAST_CONTRACTS.usdc]: usdc, [BALLAST_CONTRACTS.pool]: pool });
  }
  await devnet.save();
}
