// The keeper with the vault's portfolio risk in force (devnet: three anvil chains, LayerZero's production
// contracts, the courier, real Redis): the risk admin sets a 50% WETH/WBTC correlation and a $10,000
// WETH liquidity depth through the vault's delayed queue (the depth in steps of at most ×2), and the keeper's scores follow — equal to
// vault.liquidationHealth to the wei before and after, refreshed by the RiskUpdateApplied event alone.
// Then WETH falls, and four accounts sit on both sides of the line: a diversified one under 1 by the
// per-asset sum but not by the vault's portfolio value, a concentrated one the depth pushed under 1
// though the per-asset sum keeps it over, and one of each kind near the line where the two models
// agree. The keeper flags exactly the accounts with vault.liquidationHealth < 1 (the ones `flag`
// accepts), no more, no fewer. `accounts` (computed from the reconcile store) agrees with the vault too.
// Last, a depth-3 reorg on home undoes a deposit the keeper had scored: its scores follow the vault back.
import { collateralVaultAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, ChainDeployer, devnetKeys, executeThroughTimelock } from '@ballast/devnet';
import { HEALTH_ONE, type CollateralPosition, homeChain, liquidationHealthDown } from '@ballast/protocol';
import { Redis } from 'ioredis';
import { type Address, encodeFunctionData, erc20Abi, parseEther, parseUnits } from 'viem';
import { expect, test } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import { accountsReport, keeperScoresKey } from '../src/ops/accounts-at-risk.ts';
import { fundedKey, liquidationEvents, openPosition, startKeeper, keeperSuite, waitUntil } from './keeper-support.ts';

const suite = keeperSuite();
/** `VaultRisk.RISK_UPDATE_DELAY`: the devnet's timelock delay is 0, so the vault's own floor applies. */
const RISK_UPDATE_DELAY_SECONDS = 3 * 86_400;

/** Names the deployer the vault's risk admin (through the timelock), queues `update`, moves home past the risk
 * delay (`VaultRisk.RISK_UPDATE_DELAY`, 3 days) and applies it. */
async function applyRiskUpdate(
  update: {
    correlations: { assetA: Address; assetB: Address; correlationBps: number }[];
    depths: { asset: Address; depthThousands: number }[];
  },
  refreshFeeds: () => Promise<void>,
): Promise<void> {
  const home = homeChain(suite.env.deployments);
  const deployer = new ChainDeployer(home, devnetKeys.deployer);
  const vault = home.contracts[BALLAST_CONTRACTS.vault] as Address;
  const timelock = home.governance?.timelock as Address;
  const setRiskAdmin = encodeFunctionData({ abi: collateralVaultAbi, functionName: 'setRiskAdmin', args: [deployer.account.address] });
  await executeThroughTimelock(deployer, timelock, 'setRiskAdmin', [{ target: vault, data: setRiskAdmin }]);
  await deployer.write('vault.queueRiskUpdate', vault, collateralVaultAbi, 'queueRiskUpdate', [update]);
  await deployer.publicClient.request({ method: 'evm_increaseTime', params: [RISK_UPDATE_DELAY_SECONDS + 1] } as never);
  await deployer.publicClient.request({ method: 'evm_mine', params: [] } as never);
  // A first depth is checked against the vault's holdings at a fresh price when applied too.
  await refreshFeeds();
  await deployer.write('vault.applyRiskUpdate', vault, collateralVaultAbi, 'applyRiskUpdate', [update]);
}

test("the keeper scores with the vault's correlations and depths and flags by them", async () => {
  const [r1, r2] = suite.env.remotes;
  const stranger = new BallastUser(suite.env.deployments, devnetKeys.users[4]);
  await stranger.setPrice('weth', 2_000n);
  await stranger.setPrice('wbtc', 60_000n);
  const diversified = new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, 30));
  const concentrated = new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, 31));
  // Everything drawn, so nothing is recalled: flag is the only action either account can get.
  await openPosition(suite.env, diversified, { weth: '5', wbtc: '0.2', exports: { [r1]: '16000' }, borrows: { [r1]: '16000' } });
  await openPosition(suite.env, concentrated, { weth: '10', exports: { [r2]: '12000' }, borrows: { [r2]: '12000' } });
  // Two accounts where the models agree, close to the line on either side: the same basket with more
  // exported, under 1 by both models after the fall; the same WETH with less exported, over 1 by both.
  const diversifiedUnder = new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, 33));
  const concentratedSafe = new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, 34));
  await openPosition(suite.env, diversifiedUnder, { weth: '5', wbtc: '0.2', exports: { [r1]: '16350' }, borrows: { [r1]: '16350' } });
  await openPosition(suite.env, concentratedSafe, { weth: '10', exports: { [r2]: '11000' }, borrows: { [r2]: '11000' } });
  const users = [diversified, concentrated, diversifiedUnder, concentratedSafe];

  const keeperKey = devnetKeys.couriers[1];
  // Started before the risk updates and never restarted: they reach its scores through ingest's events.
  const running = startKeeper(suite.env, keeperKey, { sweepIntervalMs: 600_000, backoffMs: 200, maxBackoffMs: 2_000 });
  const { keeper } = running;
  /** True once the keeper's stored health of every user is the vault's own. */
  const scoresMatchVault = async (): Promise<true | string> => {
    for (const user of users) {
      const [stored, onChain] = await Promise.all([keeper.ledger.score(user.address), user.liquidationHealth()]);
      if (stored?.health !== onChain.toString()) return `${user.address}: keeper ${stored?.health}, vault ${onChain}`;
    }
    return true;
  };
  await waitUntil('the keeper scores as the vault (no correlation set)', scoresMatchVault);
  const perAssetHealth = await concentrated.liquidationHealth();
  expect(perAssetHealth).toBe((parseEther('17000') * HEALTH_ONE) / parseEther('12000'));

  // The risk admin's update: WETH and WBTC 50% correlated, WETH $10,000 deep. Home moved days on, so
  // the feeds are set again (fresh answers, same prices).
  const home = homeChain(suite.env.deployments);
  const weth = home.contracts[BALLAST_CONTRACTS.weth] as Address;
  const wbtc = home.contracts[BALLAST_CONTRACTS.wbtc] as Address;
  // A first depth must cover half of the vault's WETH at $2,000 (PROTOCOL.md L-13): at least as many thousands
  // of USD as the vault holds WETH; then it comes down at most ×2 per update to $10,000.
  const reader = new ChainDeployer(home, devnetKeys.deployer).publicClient;
  const vault = home.contracts[BALLAST_CONTRACTS.vault] as Address;
  const heldWeth = await reader.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [vault] });
  const refreshFeeds = async () => {
    await stranger.setPrice('weth', 2_000n);
    await stranger.setPrice('wbtc', 60_000n);
  };
  let depth = Math.max(10, Number((heldWeth + 10n ** 18n - 1n) / 10n ** 18n));
  await applyRiskUpdate({ correlations: [{ assetA: weth, assetB: wbtc, correlationBps: 5_000 }], depths: [{ asset: weth, depthThousands: depth }] }, refreshFeeds);
  while (depth > 10) {
    depth = Math.max(10, Math.ceil(depth / 2));
    await applyRiskUpdate({ correlations: [], depths: [{ asset: weth, depthThousands: depth }] }, refreshFeeds);
  }
  await stranger.setPrice('weth', 2_000n);
  await stranger.setPrice('wbtc', 60_000n);
  // Concentrated: 10 WETH ($20,000) counts as 2 × 10,000 − 10,000² / 20,000 = $15,000, × 85% over 12,000.
  expect(await concentrated.liquidationHealth()).toBe((parseEther('12750') * HEALTH_ONE) / parseEther('12000'));
  await waitUntil('the keeper re-scores with the correlation and the depth', scoresMatchVault);
  expect(keeper.metrics.snapshot().actionsQueued).toBe(0);

  // WETH to $1,600. Diversified: WETH $8,000 (under its depth) and WBTC $12,000. The per-asset sum,
  // 6,800 + 9,000 = 15,800, is under its 16,000 exported; the vault's portfolio value is
  // 20,000 − √(1,200² + 3,000² + 2 × 0.5 × 1,200 × 3,000) ≈ 16,253, over it. Concentrated: $16,000 of
  // WETH counts as 13,750 × 85% = 11,687.5, under its 12,000.
  await stranger.setPrice('weth', 1_600n);
  const positions: CollateralPosition[] = [
    { amount: parseEther('5'), price: parseEther('1600'), decimals: 18, liquidationThresholdBps: 8_500, depth: parseEther('10000') },
    { amount: parseUnits('0.2', 8), price: parseEther('60000'), decimals: 8, liquidationThresholdBps: 7_500 },
  ];
  expect(liquidationHealthDown({ positions, totalExported: parseEther('16000') })).toBeLessThan(HEALTH_ONE);
  const diversifiedHealth = await diversified.liquidationHealth();
  expect(diversifiedHealth).toBeGreaterThan(HEALTH_ONE);
  expect(diversifiedHealth).toBe(liquidationHealthDown({ positions, totalExported: parseEther('16000'), model: { kind: 'portfolio', correlationBps: [5_000] } }));

  // The per-asset model and the vault's, account by account: they disagree on `diversified` and
  // `concentrated`, agree (near the line) on the other two.
  const wethAlone = (amount: string, exported: string, depth?: bigint) =>
    liquidationHealthDown({ positions: [{ ...(positions[0] as CollateralPosition), amount: parseEther(amount), depth }], totalExported: parseEther(exported) });
  const perAsset = new Map<BallastUser, bigint>([
    [diversified, liquidationHealthDown({ positions, totalExported: parseEther('16000') })],
    [concentrated, wethAlone('10', '12000')],
    [diversifiedUnder, liquidationHealthDown({ positions, totalExported: parseEther('16350') })],
    [concentratedSafe, wethAlone('10', '11000')],
  ]);
  const vaultHealth = new Map<BallastUser, bigint>();
  for (const user of users) vaultHealth.set(user, await user.liquidationHealth());
  expect(vaultHealth.get(concentrated)).toBe(wethAlone('10', '12000', parseEther('10000')));
  expect(vaultHealth.get(concentratedSafe)).toBe(wethAlone('10', '11000', parseEther('10000')));
  expect(users.map((user) => [(perAsset.get(user) as bigint) < HEALTH_ONE, (vaultHealth.get(user) as bigint) < HEALTH_ONE])).toEqual([
    [true, false],
    [false, true],
    [true, true],
    [false, false],
  ]);
  const acceptable = users.filter((user) => (vaultHealth.get(user) as bigint) < HEALTH_ONE);
  expect(acceptable).toEqual([concentrated, diversifiedUnder]);

  await waitUntil('the keeper flags every account the vault would accept', async () => {
    for (const user of acceptable) if ((await user.epochs())[suite.env.home] !== 1) return `${user.address} not flagged yet`;
    return true;
  });
  await waitUntil('the keeper scores as the vault after the fall', scoresMatchVault);
  expect((await keeper.ledger.score(diversified.address))?.bucket).toBe('recall');
  expect((await keeper.ledger.score(concentratedSafe.address))?.bucket).not.toBe('liquidatable');
  const { flags } = await liquidationEvents(suite.env);
  expect([...flags.keys()].sort()).toEqual(acceptable.map((user) => `${user.address}-1`).sort());
  for (const user of users.filter((user) => !acceptable.includes(user))) expect((await user.epochs())[suite.env.home], user.address).toBe(0);
  await running.stop();

  // `accounts` without the keeper's scores computes health from the reconcile store: the vault's too.
  const redis = new Redis(suite.env.stack.redis.url, { maxRetriesPerRequest: null });
  try {
    await redis.del(keeperScoresKey(suite.env.stack.prefix));
    const report = await accountsReport({ redis, prefix: suite.env.stack.prefix, deployments: suite.env.deployments, thresholds: { recallHealth: 11n * 10n ** 17n, atRiskHealth: 125n * 10n ** 16n } });
    if (report.source !== 'computed') throw new Error(`accounts reported ${report.source} health, expected computed`);
    for (const user of users) {
      const listed = report.accounts.find((account) => account.account === user.address);
      if (!listed) throw new Error(`${user.address} not listed`);
      const weighted = parseEther(listed.weightedCollateralUsd);
      expect((weighted * HEALTH_ONE) / parseEther(listed.exportedUsd), user.address).toBe(await user.liquidationHealth());
    }
  } finally {
    redis.disconnect();
  }
}, 120_000);

test('a reorg on home undoes a deposit the keeper had scored: it drops its copies and converges to the vault', async () => {
  const [r1] = suite.env.remotes;
  const user = new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, 32));
  await openPosition(suite.env, user, { weth: '10', exports: { [r1]: '5000' }, borrows: {} });
  // Scoring only: no action may add blocks to home while the test replaces its last three.
  const running = startKeeper(suite.env, devnetKeys.couriers[2], { sweepIntervalMs: 600_000, actions: { recall: false, flag: false, clear: false, returnParked: false } });
  const matchesVault = async (): Promise<true | string> => {
    const [stored, onChain] = await Promise.all([running.keeper.ledger.score(user.address), user.liquidationHealth()]);
    return stored?.health === onChain.toString() || `keeper ${stored?.health}, vault ${onChain}`;
  };
  await waitUntil('the keeper scores the account as the vault', matchesVault);
  // Mint, approve and deposit: three blocks, applied and scored by the keeper.
  await user.deposit('weth', parseEther('6'));
  await waitUntil('the keeper scores the deposit', matchesVault);
  const withDeposit = await user.liquidationHealth();

  const home = homeChain(suite.env.deployments);
  await user.connection(home.eid).publicClient.request({ method: 'anvil_reorg', params: [3, []] } as never);
  expect(await user.liquidationHealth()).toBeLessThan(withDeposit);
  await waitUntil('the keeper rolls back with ingest and converges to the vault', matchesVault, 30_000);
  expect(running.ingest.metrics.chain(home.eid).reorgs).toBe(1);
  await running.stop();
}, 60_000);
