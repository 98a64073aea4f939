// Deploys Ballast on the devnet: on home, the oracle adapter with mock feeds, two collateral tokens
// (WETH 18 decimals at $2,000, WBTC 8 decimals at $60,000) and the CollateralVault; on every remote,
// a CreditMirror, a USDC-like token (6 decimals) and the reference CreditLendingPool with liquidity.
// Wires the vault and mirrors as peers with enforced options, then hands every chain's contracts to
// its own OpenZeppelin TimelockController, as production does (docs/DECISIONS.md, "Governance"), and
// records every address and the governance in the deployments file.
import {
  chainlinkOracleAdapterAbi,
  collateralVaultAbi,
  creditLendingPoolAbi,
  creditMirrorAbi,
  mockAggregatorAbi,
  testTokenAbi,
} from '@ballast/abi';
import { CONTRACT_NAMES, ENFORCED_LZ_RECEIVE_GAS, MESSAGE_TYPES, addressToBytes32, homeChain, lzReceiveOptions } from '@ballast/protocol';
import { type Address, maxUint128, parseUnits } from 'viem';
import { forgeBytecode } from './artifacts.ts';
import { ChainDeployer } from './deployer.ts';
import type { Devnet } from './devnet.ts';
import { handOverToTimelock } from './governance.ts';
import { devnetKeys } from './keys.ts';

/**
 * Liquidation settings on the devnet: a liquidator may repay half of what is drawn per flag; the last good
 * price prices a liquidation up to an hour past its feed's heartbeat; anyone may recall credit of an account
 * under health 1.1.
 */
export const LIQUIDATION_CONFIG = { closeFactorBps: 5_000, priceTolerance: 3_600, recallHealth: 11n * 10n ** 17n } as const;

/** Collateral worth less than this ($1, 1e18 USD) no longer blocks a flagged account's bad-debt write-off
 * (docs/PROTOCOL.md L-16): on anvil a liquidation costs next to nothing; production sets it above the gas of
 * a liquidation on both chains plus the SEIZE fee. */
export const DUST_FLOOR = 10n ** 18n;

/** Per-consumer draw cap on the devnet: the largest a `uint120` holds. */
const CONSUMER_CAP = (1n << 120n) - 1n;

/** Contract names in the deployments file by role: protocol's one list (`CONTRACT_NAMES`). */
export const BALLAST_CONTRACTS = CONTRACT_NAMES;

export type BallastDevnetOptions = {
  /** Seconds a GRANT may be in flight. @defaultValue 3_600 */
  grantTtl?: number;
  /** Seconds after the last message from home that draws stay open. @defaultValue 86_400 */
  heartbeatPeriod?: number;
  /** Pool interest per second, 1e18 = 100%. @defaultValue 1e9 (~3% a year) */
  ratePerSecond?: bigint;
  /** USDC each pool starts with. @defaultValue 10,000,000 */
  poolLiquidity?: bigint;
  /**
   * Seconds every admin change waits in each chain's timelock after the hand-over. The ownership
   * model is production's either way; a delay only makes the devnet slow to reconfigure.
   * @defaultValue 0
   */
  timelockDelay?: number;
  /** Who may pause exports and draws at once (and nothing else). @defaultValue the deployer */
  guardian?: Address;
};

export async function deployBallast(devnet: Devnet, options: BallastDevnetOptions = {}): Promise<void> {
  const { grantTtl = 3_600, heartbeatPeriod = 86_400, ratePerSecond = 1_000_000_000n, poolLiquidity = parseUnits('10000000', 6), timelockDelay = 0 } = options;
  const home = homeChain(devnet.deployments);
  const remotes = devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  const homeDeployer = new ChainDeployer(home, devnetKeys.deployer);
  const owner = homeDeployer.account.address;
  const guardian = options.guardian ?? owner;

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
  // The vault's cold path is two external libraries it DELEGATECALLs: VaultRisk (the portfolio term, the
  // risk admin's queue) and VaultLogic (liquidation, messages, governance, large views), which calls VaultRisk.
  const vaultRisk = await homeDeployer.deploy('VaultRisk', forgeBytecode('VaultRisk'), []);
  const vaultLogic = await homeDeployer.deploy('VaultLogic', forgeBytecode('VaultLogic', { VaultRisk: vaultRisk }), []);
  const vault = await homeDeployer.deploy('CollateralVault', forgeBytecode('CollateralVault', { VaultLogic: vaultLogic, VaultRisk: vaultRisk }), collateralVaultAbi, [home.layerZero.endpoint, owner, oracle]);
  await homeDeployer.write('vault.configureAsset(WETH)', vault, collateralVaultAbi, 'configureAsset', [weth, 8_000, 8_500, 500, maxUint128, true]);
  await homeDeployer.write('vault.configureAsset(WBTC)', vault, collateralVaultAbi, 'configureAsset', [wbtc, 7_000, 7_500, 1_000, maxUint128, true]);
  await homeDeployer.write('vault.configureLiquidation', vault, collateralVaultAbi, 'configureLiquidation', [LIQUIDATION_CONFIG]);
  await homeDeployer.write('vault.setDustFloor', vault, collateralVaultAbi, 'setDustFloor', [DUST_FLOOR]);

  // Remotes: mirror, USDC, pool with liquidity.
  const remoteContracts = await Promise.all(
    remotes.map(async (remote) => {
      const deployer = new ChainDeployer(remote, devnetKeys.deployer);
      const mirror = await deployer.deploy('CreditMirror', forgeBytecode('CreditMirror'), creditMirrorAbi, [remote.layerZero.endpoint, owner, home.eid, heartbeatPeriod]);
      const usdc = await deployer.deploy('USDC', forgeBytecode('TestToken'), testTokenAbi, ['USD Coin', 'USDC', 6]);
      const pool = await deployer.deploy('CreditLendingPool', forgeBytecode('CreditLendingPool'), creditLendingPoolAbi, [mirror, usdc, ratePerSecond]);
      await deployer.write('mirror.configureConsumer', mirror, creditMirrorAbi, 'configureConsumer', [pool, true, CONSUMER_CAP]);
      await deployer.write('mirror.setPeer', mirror, creditMirrorAbi, 'setPeer', [home.eid, addressToBytes32(vault)]);
      await deployer.write('mirror.setEnforcedOptions', mirror, creditMirrorAbi, 'setEnforcedOptions', [
        [
          { eid: home.eid, msgType: MESSAGE_TYPES.release, options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS.release) },
          { eid: home.eid, msgType: MESSAGE_TYPES.usage, options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS.usage) },
          { eid: home.eid, msgType: MESSAGE_TYPES.seize, options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS.seize) },
        ],
      ]);
      await deployer.write('usdc.mint', usdc, testTokenAbi, 'mint', [owner, poolLiquidity]);
      await deployer.write('usdc.approve', usdc, testTokenAbi, 'approve', [pool, poolLiquidity]);
      await deployer.write('pool.supply', pool, creditLendingPoolAbi, 'supply', [poolLiquidity]);
      return { remote, deployer, mirror, usdc, pool };
    }),
  );

  for (const { remote, mirror } of remoteContracts) {
    await homeDeployer.write('vault.configureRemote', vault, collateralVaultAbi, 'configureRemote', [
      remote.eid,
      // Devnet limits: far above any test's exports; one-day rate window.
      { enabled: true, grantTtl, rateWindow: 86_400, creditCap: 10n ** 28n, maxPerWindow: 10n ** 28n },
    ]);
    await homeDeployer.write('vault.setPeer', vault, collateralVaultAbi, 'setPeer', [remote.eid, addressToBytes32(mirror)]);
    await homeDeployer.write('vault.setEnforcedOptions', vault, collateralVaultAbi, 'setEnforcedOptions', [
      [
        { eid: remote.eid, msgType: MESSAGE_TYPES.grant, options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS.grant) },
        { eid: remote.eid, msgType: MESSAGE_TYPES.heartbeat, options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS.heartbeat) },
        ...(['recall', 'liquidatable', 'clear', 'badDebt'] as const).map((type) => ({
          eid: remote.eid,
          msgType: MESSAGE_TYPES[type],
          options: lzReceiveOptions(ENFORCED_LZ_RECEIVE_GAS[type]),
        })),
      ],
    ]);
  }

  // Configured: governance takes over on every chain.
  home.governance = await handOverToTimelock(homeDeployer, {
    minDelay: timelockDelay,
    guardian,
    contracts: [
      { name: 'vault', address: vault, abi: collateralVaultAbi, oapp: true, guarded: true },
      { name: 'oracle', address: oracle, abi: chainlinkOracleAdapterAbi },
    ],
  });
  await Promise.all(
    remoteContracts.map(async ({ remote, deployer, mirror }) => {
      remote.governance = await handOverToTimelock(deployer, {
        minDelay: timelockDelay,
        guardian,
        contracts: [{ name: 'mirror', address: mirror, abi: creditMirrorAbi, oapp: true, guarded: true }],
      });
    }),
  );

  Object.assign(home.contracts, {
    [BALLAST_CONTRACTS.vault]: vault,
    [BALLAST_CONTRACTS.oracle]: oracle,
    [BALLAST_CONTRACTS.weth]: weth,
    [BALLAST_CONTRACTS.wbtc]: wbtc,
    [BALLAST_CONTRACTS.wethFeed]: wethFeed,
    [BALLAST_CONTRACTS.wbtcFeed]: wbtcFeed,
    [BALLAST_CONTRACTS.vaultLogic]: vaultLogic,
    [BALLAST_CONTRACTS.vaultRisk]: vaultRisk,
  } satisfies Record<string, Address>);
  for (const { remote, mirror, usdc, pool } of remoteContracts) {
    Object.assign(remote.contracts, { [BALLAST_CONTRACTS.mirror]: mirror, [BALLAST_CONTRACTS.usdc]: usdc, [BALLAST_CONTRACTS.pool]: pool });
  }
  await devnet.save();
}
