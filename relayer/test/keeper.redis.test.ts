// The keeper alone on the devnet (three anvil chains, LayerZero's production contracts, the courier
// carrying every message, real Redis): health scored with the vault's own maths, then a price crash over
// six accounts — two healthy, two that only need their undrawn credit back (one of them under 1 at home),
// two under 1 — which the keeper recalls, returns, flags, liquidates (its liquidator module on) and
// clears, touching no healthy account. Nothing here calls recall, flag, returnParked, liquidate or clear
// but the keeper.
import { chainlinkOracleAdapterAbi, collateralVaultAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, devnetKeys } from '@ballast/devnet';
import { type CollateralPosition, MESSAGE_TYPES, liquidationHealthDown } from '@ballast/protocol';
import { Redis } from 'ioredis';
import { type Address, parseEther } from 'viem';
import { expect, test } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import { actionJobId } from '../src/keeper/actions.ts';
import { ActionQueue } from '../src/keeper/queue.ts';
import {
  type AccountBook,
  type RunningKeeper,
  credit,
  fundedKey,
  keeperSuite,
  liquidationEvents,
  mintUsdc,
  openPosition,
  readAccountBook,
  startKeeper,
  usdc,
  waitUntil,
} from './keeper-support.ts';

const suite = keeperSuite();

/** The vault's liquidation health of `account` recomputed here from chain reads with @ballast/protocol's `liquidationHealthDown`. */
async function healthFromChain(reader: BallastUser, account: Address): Promise<bigint> {
  const { publicClient } = reader.connection(suite.env.home);
  const vault = reader.contract(suite.env.home, BALLAST_CONTRACTS.vault);
  const oracle = reader.contract(suite.env.home, BALLAST_CONTRACTS.oracle);
  const [assets, totalExported, config] = await Promise.all([
    publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'assetsOf', args: [account] }),
    publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'totalExported', args: [account] }),
    publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'liquidationConfig' }),
  ]);
  const positions: CollateralPosition[] = await Promise.all(
    assets.map(async (asset) => {
      const [amount, risk, price] = await Promise.all([
        publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'collateralOf', args: [account, asset] }),
        publicClient.readContract({ address: vault, abi: collateralVaultAbi, functionName: 'assetConfig', args: [asset] }),
        publicClient.readContract({ address: oracle, abi: chainlinkOracleAdapterAbi, functionName: 'liquidationPrice', args: [asset, BigInt(config.priceTolerance)] }),
      ]);
      return { amount, price, decimals: risk.decimals, liquidationThresholdBps: risk.liquidationThresholdBps };
    }),
  );
  return liquidationHealthDown({ positions, totalExported });
}

test('health: @ballast/protocol liquidationHealthDown equals vault.liquidationHealth for several accounts and prices', async () => {
  const [r1, r2] = suite.env.remotes;
  const stranger = new BallastUser(suite.env.deployments, devnetKeys.users[4]);
  const users = await Promise.all([10, 11, 12, 13].map(async (index) => new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, index))));
  const [a, b, c, d] = users as [BallastUser, BallastUser, BallastUser, BallastUser];
  // Odd amounts so every rounding step matters: WETH only, WBTC only, both, and both across two remotes.
  await openPosition(suite.env, a, { weth: '3.141592653589793238', exports: { [r1]: '2718.281828459045' }, borrows: {} });
  await openPosition(suite.env, b, { wbtc: '0.12345678', exports: { [r2]: '3333.333333333333333333' }, borrows: {} });
  await openPosition(suite.env, c, { weth: '1.000000000000000001', wbtc: '0.00000001', exports: { [r1]: '799.999999999999999999' }, borrows: {} });
  await openPosition(suite.env, d, { weth: '7.7', wbtc: '0.0777', exports: { [r1]: '4000', [r2]: '3000.5' }, borrows: {} });
  let compared = 0;
  for (const [weth, wbtc] of [
    [2_000n, 60_000n],
    [1_777n, 61_234n],
    [3n, 7n],
    [2_000n, 60_000n],
  ] as const) {
    await stranger.setPrice('weth', weth);
    await stranger.setPrice('wbtc', wbtc);
    for (const user of users) {
      expect(await healthFromChain(stranger, user.address), `${user.address} at WETH ${weth}, WBTC ${wbtc}`).toBe(await user.liquidationHealth());
      compared += 1;
    }
  }
  expect(compared).toBe(16);
}, 60_000);

test('a price crash: the keeper alone recalls, returns, flags, liquidates and clears; healthy accounts are untouched', async () => {
  const [r1, r2] = suite.env.remotes;
  const stranger = new BallastUser(suite.env.deployments, devnetKeys.users[4]);
  await stranger.setPrice('weth', 2_000n);
  await stranger.setPrice('wbtc', 60_000n);
  const key = async (index: number) => new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, index));
  const healthy = await key(20);
  const healthyBtc = await key(21);
  const recallOnly = await key(22);
  const recallSaves = await key(23);
  const twoRemotes = await key(24);
  const oneRemote = await key(25);
  // At WETH $2,000: healths 3.4, 1.5, 1.79, 1.42, 1.13, 1.42 — nobody under the recall health of 1.1.
  await openPosition(suite.env, healthy, { weth: '10', exports: { [r1]: '5000' }, borrows: { [r1]: '2000' } });
  await openPosition(suite.env, healthyBtc, { wbtc: '0.1', exports: { [r2]: '3000' }, borrows: { [r2]: '3000' } });
  await openPosition(suite.env, recallOnly, { weth: '10', exports: { [r1]: '9500' }, borrows: { [r1]: '5000' } });
  await openPosition(suite.env, recallSaves, { weth: '10', exports: { [r1]: '12000' }, borrows: { [r1]: '6000' } });
  await openPosition(suite.env, twoRemotes, { weth: '10', exports: { [r1]: '7500', [r2]: '7500' }, borrows: { [r1]: '5250', [r2]: '5250' } });
  await openPosition(suite.env, oneRemote, { weth: '10', exports: { [r2]: '12000' }, borrows: { [r2]: '10500' } });
  const accounts = [healthy, healthyBtc, recallOnly, recallSaves, twoRemotes, oneRemote];

  // The keeper (its own key, ingest and Redis connections) with the liquidator on and USDC on both remotes.
  const keeperKey = devnetKeys.couriers[1];
  const keeperAddress = new BallastUser(suite.env.deployments, keeperKey).address;
  for (const eid of suite.env.remotes) await mintUsdc(suite.env, eid, keeperAddress, usdc('100000'));
  const started = Date.now();
  const running: RunningKeeper = startKeeper(suite.env, keeperKey, {
    liquidator: { enabled: true, inventory: { [r1]: usdc('50000'), [r2]: usdc('50000') } },
    // Only events and price ticks score during the test: the one sweep is at start.
    sweepIntervalMs: 600_000,
    backoffMs: 200,
    maxBackoffMs: 2_000,
  });
  const { keeper } = running;
  await waitUntil('every account scored', async () => {
    const scores = await keeper.scores();
    return accounts.every((user) => scores.some((score) => score.account === user.address)) || `${scores.length} scored`;
  });
  expect(keeper.metrics.snapshot().actionsQueued).toBe(0);
  const before = new Map<Address, AccountBook>();
  for (const user of accounts) before.set(user.address, await readAccountBook(suite.env, user));
  const btcScoredAt = (await keeper.ledger.score(healthyBtc.address))?.scoredAt;

  // WETH crashes to $1,200. Healths: healthy 2.04, recallOnly 10,200 / 9,500 = 1.07, recallSaves 0.85
  // (usage-aware 1.7), twoRemotes and oneRemote 0.68 and 0.85 (usage-aware 10,200 / 10,500 = 0.97).
  const crashAt = Date.now();
  await stranger.setPrice('weth', 1_200n);

  const settledAll = async () => {
    const books = await Promise.all([recallOnly, recallSaves, twoRemotes, oneRemote].map((user) => readAccountBook(suite.env, user)));
    const [a, b, c, d] = books as [AccountBook, AccountBook, AccountBook, AccountBook];
    const done =
      a.totalExported === credit('5000') &&
      b.totalExported === credit('6000') &&
      c.epoch === 2 &&
      c.remotes[r1]?.epoch === 2 &&
      c.remotes[r2]?.epoch === 2 &&
      d.epoch === 2 &&
      d.remotes[r2]?.epoch === 2 &&
      (await keeper.ledger.pendingSeizes()).length === 0 &&
      (await keeper.ledger.settled()).length === 3;
    return done || `epochs ${c.epoch}/${d.epoch}, exported ${a.totalExported}/${b.totalExported}/${c.totalExported}/${d.totalExported}`;
  };
  await waitUntil('the keeper to recall, flag, liquidate and clear', settledAll, 45_000);
  const elapsed = Date.now() - crashAt;

  // Recalled and returned, never flagged: only the undrawn credit left; collateral untouched.
  const weth = (amount: string) => parseEther(amount);
  const book = async (user: BallastUser) => readAccountBook(suite.env, user);
  expect(await book(recallOnly)).toMatchObject({ epoch: 0, collateral: { weth: weth('10'), wbtc: 0n }, totalExported: credit('5000') });
  expect((await book(recallOnly)).remotes[r1]).toEqual({ exported: credit('5000'), line: credit('5000'), drawn: credit('5000'), parked: 0n, repayable: 0n, epoch: 0 });
  expect(await book(recallSaves)).toMatchObject({ epoch: 0, collateral: { weth: weth('10'), wbtc: 0n }, totalExported: credit('6000') });
  expect((await book(recallSaves)).remotes[r1]).toEqual({ exported: credit('6000'), line: credit('6000'), drawn: credit('6000'), parked: 0n, repayable: 0n, epoch: 0 });

  // Flagged, liquidated for the close factor (half of what was drawn), paid 5% bonus in WETH, then cleared:
  // twoRemotes repaid 2,625 on each remote (2.296875 WETH each), oneRemote 5,250 (4.59375 WETH); both end at
  // 5.40625 WETH against 5,250 exported, health 5,514.375 / 5,250 = 1.05.
  const twoBook = await book(twoRemotes);
  expect(twoBook).toMatchObject({ epoch: 2, collateral: { weth: weth('5.40625'), wbtc: 0n }, totalExported: credit('5250') });
  for (const eid of [r1, r2]) expect(twoBook.remotes[eid]).toEqual({ exported: credit('2625'), line: credit('2625'), drawn: credit('2625'), parked: 0n, repayable: 0n, epoch: 2 });
  const oneBook = await book(oneRemote);
  expect(oneBook).toMatchObject({ epoch: 2, collateral: { weth: weth('5.40625'), wbtc: 0n }, totalExported: credit('5250') });
  expect(oneBook.remotes[r2]).toEqual({ exported: credit('5250'), line: credit('5250'), drawn: credit('5250'), parked: 0n, repayable: 0n, epoch: 2 });
  expect(await twoRemotes.liquidationHealth()).toBe((credit('5514.375') * 10n ** 18n) / credit('5250'));
  // The seized WETH went to the keeper's home address.
  expect(await new BallastUser(suite.env.deployments, keeperKey).balanceOf(suite.env.home, twoRemotes.contract(suite.env.home, BALLAST_CONTRACTS.weth))).toBe(weth('9.1875'));

  // Healthy accounts: exactly as before the crash, on every chain.
  expect(await book(healthy)).toEqual(before.get(healthy.address));
  expect(await book(healthyBtc)).toEqual(before.get(healthyBtc.address));
  // The WETH tick re-scored WETH holders only: the WBTC-only account was not scored again.
  expect((await keeper.ledger.score(healthyBtc.address))?.scoredAt).toBe(btcScoredAt);

  // Each action once, by the keeper alone.
  const events = await liquidationEvents(suite.env);
  expect([...events.flags.keys()].sort()).toEqual([`${oneRemote.address}-1`, `${twoRemotes.address}-1`].sort());
  expect([...events.clears.keys()].sort()).toEqual([`${oneRemote.address}-2`, `${twoRemotes.address}-2`].sort());
  for (const map of Object.values(events)) for (const [id, count] of map) expect(count, id).toBe(1);
  expect([...events.liquidations.keys()].sort()).toEqual([`${oneRemote.address}-${r2}-1`, `${twoRemotes.address}-${r1}-1`, `${twoRemotes.address}-${r2}-1`].sort());
  const metrics = keeper.metrics.snapshot();
  expect(Object.fromEntries(Object.entries(metrics.actions).map(([action, counts]) => [action, counts.sent]))).toEqual({
    recall: 2,
    flag: 2,
    clear: 2,
    returnParked: 5,
    liquidate: 3,
  });
  expect(Object.values(metrics.actions).every((counts) => counts.failed === 0)).toBe(true);
  expect(metrics.latencyMs.flag.count).toBe(2);
  expect(metrics.priceTicks).toBeGreaterThanOrEqual(1);

  // PnL: 2,756.25 − 2,625 twice and 5,512.5 − 5,250 = $525 at $1,200 a WETH.
  const settled = await keeper.ledger.settled();
  expect(settled.every((record) => record.withBonus && record.liquidator === keeperAddress)).toBe(true);
  expect(settled.reduce((sum, record) => sum + BigInt(record.pnl), 0n)).toBe(credit('525'));
  expect(metrics.liquidations).toMatchObject({ settled: 3, pnlUsd: 525 });

  // Scores agree with the vault's own view, and buckets follow them.
  for (const user of accounts) {
    const score = await keeper.ledger.score(user.address);
    expect(score?.health, user.address).toBe((await user.liquidationHealth()).toString());
  }
  expect((await keeper.ledger.score(healthy.address))?.bucket).toBe('healthy');
  expect((await keeper.ledger.score(oneRemote.address))?.bucket).toBe('recall');
  expect(await keeper.failures()).toEqual([]);

  console.log(`keeper crash scenario: keeper started ${crashAt - started} ms before the crash; crash → every action settled in ${elapsed} ms`);
  // Stopped with nothing in flight: nothing to hand back.
  expect(await running.stop()).toEqual({ finished: true, handedBack: 0 });
}, 90_000);

test('a flagged account still under 1 once the close factor is spent is flagged again (if the vault allows it) and liquidated until healthy', async () => {
  const [r1] = suite.env.remotes;
  const stranger = new BallastUser(suite.env.deployments, devnetKeys.users[4]);
  await stranger.setPrice('weth', 2_000n);
  const user = new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, 26));
  // Usage-aware health at $1,200: 10,200 / 10,950 = 0.93 — one close factor (half of what is drawn, paid with
  // a 5% bonus) leaves it at 0.97, a second brings it to 1.05.
  await openPosition(suite.env, user, { weth: '10', exports: { [r1]: '12000' }, borrows: { [r1]: '10950' } });
  const keeperKey = devnetKeys.couriers[2];
  await mintUsdc(suite.env, r1, new BallastUser(suite.env.deployments, keeperKey).address, usdc('100000'));
  const running = startKeeper(suite.env, keeperKey, { liquidator: { enabled: true, inventory: { [r1]: usdc('50000') } }, backoffMs: 200, maxBackoffMs: 1_000 });
  await waitUntil('the account scored', async () => (await running.keeper.ledger.score(user.address)) !== undefined);
  const crashAt = Date.now();
  await stranger.setPrice('weth', 1_200n);

  const reflagRefused = async () => (await running.keeper.ledger.outcomes(500)).some((record) => record.action === 'flag' && /does not flag a flagged account again/.test(record.detail));
  await waitUntil(
    'the account cleared after two liquidations, or the vault refusing to flag it again',
    async () => {
      const book = await readAccountBook(suite.env, user);
      return (book.epoch === 4 && book.remotes[r1]?.epoch === 4) || (book.epoch === 1 && (await reflagRefused())) || `epoch ${book.epoch}, exported ${book.totalExported}`;
    },
    45_000,
  );
  const book = await readAccountBook(suite.env, user);
  console.log(`flag again: ${book.epoch === 4 ? 'the vault re-flagged; cleared after two close factors' : 'this vault does not re-flag'} (${Date.now() - crashAt} ms after the crash)`);
  if (book.epoch === 4) {
    // Flagged at 1, flagged again at 3 (a fresh close factor), cleared at 4: 5,475 then 2,737.5 repaid, 4.790625
    // then 2.3953125 WETH paid; 2.8140625 WETH left against 2,737.5 exported (health 1.05).
    expect(book).toMatchObject({ collateral: { weth: parseEther('2.8140625') }, totalExported: credit('2737.5') });
    expect(book.remotes[r1]).toEqual({ exported: credit('2737.5'), line: credit('2737.5'), drawn: credit('2737.5'), parked: 0n, repayable: 0n, epoch: 4 });
    const events = await liquidationEvents(suite.env);
    expect([...events.flags.keys()].filter((key) => key.startsWith(user.address))).toEqual([`${user.address}-1`, `${user.address}-3`]);
    expect([...events.liquidations.keys()].filter((key) => key.startsWith(user.address))).toEqual([`${user.address}-${r1}-1`, `${user.address}-${r1}-3`]);
  } else {
    // A vault that flags once per flag period: the keeper stops after one close factor and says why.
    expect(book).toMatchObject({ collateral: { weth: parseEther('5.209375') }, totalExported: credit('5475') });
  }
  expect(await running.keeper.failures()).toEqual([]);
  await running.stop();
}, 90_000);

test('a recall asked from a stale copy (a draw it missed) for an account under 1 even with its undrawn credit home is skipped on chain; the account is read again and flagged', async () => {
  const [r1, r2] = suite.env.remotes;
  const stranger = new BallastUser(suite.env.deployments, devnetKeys.users[4]);
  await stranger.setPrice('weth', 2_000n);
  const user = new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, 27));
  // At $1,200: health 0.68, usage-aware 10,200 / 10,500 = 0.97 — flag's, not recall's. A copy that missed
  // one remote's draw sees usage-aware 10,200 / 5,250 = 1.94 and asks for a recall: queued here as it would.
  await openPosition(suite.env, user, { weth: '10', exports: { [r1]: '7500', [r2]: '7500' }, borrows: { [r1]: '5250', [r2]: '5250' } });
  await stranger.setPrice('weth', 1_200n);
  const redis = new Redis(suite.env.stack.redis.url, { maxRetriesPerRequest: null });
  const queue = new ActionQueue({ connection: redis, prefix: suite.env.stack.prefix, attempts: 3, keepCompletedMs: 60_000, keepSkippedMs: 2_000 });
  const staleKeeper = new BallastUser(suite.env.deployments, devnetKeys.couriers[2]).address;
  const recallId = actionJobId({ action: 'recall', eid: r1, account: user.address, epoch: 0 });
  try {
    expect(await queue.enqueue({ action: 'recall', eid: r1, account: user.address, epoch: 0, why: 'a copy without the draw on the second remote' }, staleKeeper)).toEqual({ outcome: 'queued' });
    // A keeper that only reads the store at its sweeps: the recall (priority 1) is the first job it takes.
    const running = startKeeper(suite.env, devnetKeys.couriers[1], { sweepIntervalMs: 600_000, backoffMs: 200, maxBackoffMs: 1_000 });
    await waitUntil('the account flagged', async () => (await readAccountBook(suite.env, user)).epoch === 1 || `epoch ${(await readAccountBook(suite.env, user)).epoch}`, 30_000);
    const recall = (await running.keeper.ledger.outcomes(500)).find((record) => record.jobId === recallId);
    expect(recall).toMatchObject({ outcome: 'skipped' });
    expect(recall?.detail).toMatch(/under 1 even with its undrawn credit home .*: flag, not recall/);
    // No RECALL went out: the undrawn credit came home parked by the LIQUIDATABLE, on both remotes.
    const events = await liquidationEvents(suite.env);
    expect([...events.notices.keys()].filter((key) => key.startsWith(`${user.address}-`)).sort()).toEqual(
      [`${user.address}-${r1}-${MESSAGE_TYPES.liquidatable}-1`, `${user.address}-${r2}-${MESSAGE_TYPES.liquidatable}-1`].sort(),
    );
    expect(await running.keeper.failures()).toEqual([]);
    await running.stop();
  } finally {
    await stranger.setPrice('weth', 2_000n);
    await queue.close();
    redis.disconnect();
  }
}, 60_000);
