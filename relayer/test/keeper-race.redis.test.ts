// Two keeper processes on one devnet and one Redis prefix — two Keeper instances, each with its own
// transactor key, ingest and Redis connections, both with the liquidator on and sweeping every 200 ms so
// they score the same accounts at the same time — through a price crash. Every action must reach the
// chain exactly once: counted from the vault's and the mirrors' own events.
import { BALLAST_CONTRACTS, devnetKeys } from '@ballast/devnet';
import { parseEther } from 'viem';
import { expect, test } from 'vitest';
import { BallastUser } from '../../test/support/ballast.ts';
import type { KeeperAction } from '../src/keeper/actions.ts';
import { credit, fundedKey, liquidationEvents, mintUsdc, openPosition, readAccountBook, startKeeper, keeperSuite, usdc, waitUntil } from './keeper-support.ts';

const suite = keeperSuite();

test('two keepers on one prefix: every recall, flag, return, liquidation and clear is sent once', async () => {
  const [r1, r2] = suite.env.remotes;
  const stranger = new BallastUser(suite.env.deployments, devnetKeys.users[4]);
  const users = await Promise.all([30, 31, 32, 33, 34, 35, 36].map(async (index) => new BallastUser(suite.env.deployments, await fundedKey(suite.env.deployments, index))));
  const [recallA, recallB, recallSaves, twoA, twoB, oneA, oneB] = users as [BallastUser, BallastUser, BallastUser, BallastUser, BallastUser, BallastUser, BallastUser];
  for (const user of [recallA, recallB]) await openPosition(suite.env, user, { weth: '10', exports: { [r1]: '9500' }, borrows: { [r1]: '5000' } });
  await openPosition(suite.env, recallSaves, { weth: '10', exports: { [r2]: '12000' }, borrows: { [r2]: '6000' } });
  for (const user of [twoA, twoB]) await openPosition(suite.env, user, { weth: '10', exports: { [r1]: '7500', [r2]: '7500' }, borrows: { [r1]: '5250', [r2]: '5250' } });
  for (const user of [oneA, oneB]) await openPosition(suite.env, user, { weth: '10', exports: { [r2]: '12000' }, borrows: { [r2]: '10500' } });

  const keys = [devnetKeys.couriers[1], devnetKeys.couriers[2]];
  for (const key of keys) for (const eid of suite.env.remotes) await mintUsdc(suite.env, eid, new BallastUser(suite.env.deployments, key).address, usdc('100000'));
  const settings = {
    liquidator: { enabled: true, inventory: { [r1]: usdc('50000'), [r2]: usdc('50000') } },
    sweepIntervalMs: 200,
    concurrency: 4,
    backoffMs: 200,
    maxBackoffMs: 1_000,
  };
  const keepers = keys.map((key) => startKeeper(suite.env, key, settings));
  await waitUntil('both keepers to score every account', async () => {
    const scores = await keepers[0]?.keeper.scores();
    return users.every((user) => scores?.some((score) => score.account === user.address)) && keepers.every(({ keeper }) => keeper.metrics.snapshot().sweeps > 1);
  });

  const crashAt = Date.now();
  await stranger.setPrice('weth', 1_200n);
  await waitUntil(
    'both keepers to settle every account',
    async () => {
      const books = await Promise.all(users.map((user) => readAccountBook(suite.env, user)));
      const [a, b, saves, ...liquidated] = books;
      const pending = await keepers[0]?.keeper.ledger.pendingSeizes();
      return (
        (a?.totalExported === credit('5000') &&
          b?.totalExported === credit('5000') &&
          saves?.totalExported === credit('6000') &&
          liquidated.every((book) => book.epoch === 2 && Object.values(book.remotes).every((line) => line.exported === 0n || line.epoch === 2)) &&
          pending?.length === 0) ||
        `epochs ${liquidated.map((book) => book.epoch).join(',')}, pending seizes ${pending?.length}`
      );
    },
    45_000,
  );
  const elapsed = Date.now() - crashAt;
  // Anything still queued runs now; then count.
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  // Every account where test (a) of keeper.redis.test.ts puts it.
  for (const user of [twoA, twoB, oneA, oneB]) {
    expect(await readAccountBook(suite.env, user), user.address).toMatchObject({ epoch: 2, collateral: { weth: parseEther('5.40625'), wbtc: 0n }, totalExported: credit('5250') });
  }

  // Once each on chain, whoever sent it.
  const events = await liquidationEvents(suite.env);
  for (const map of Object.values(events)) for (const [id, count] of map) expect(count, id).toBe(1);
  // RECALL ×3, LIQUIDATABLE ×6 (two accounts on two remotes, two on one), CLEAR ×6.
  expect(events.notices.size).toBe(3 + 6 + 6);
  expect(events.flags.size).toBe(4);
  expect(events.clears.size).toBe(4);
  // Returns: the three recalls and the parked undrawn credit of each flagged line (2 + 2 + 1 + 1).
  expect(events.returned.size).toBe(3 + 6);
  expect(events.liquidations.size).toBe(6);

  // Both processes' sends add up to exactly that; each process's own count is what it sent.
  const sent = (action: KeeperAction) => keepers.reduce((sum, { keeper }) => sum + keeper.metrics.snapshot().actions[action].sent, 0);
  expect({ recall: sent('recall'), flag: sent('flag'), clear: sent('clear'), returnParked: sent('returnParked'), liquidate: sent('liquidate') }).toEqual({
    recall: 3,
    flag: 4,
    clear: 4,
    returnParked: 9,
    liquidate: 6,
  });
  const settled = await keepers[0]?.keeper.ledger.settled();
  expect(settled).toHaveLength(6);
  // The seized collateral went to whichever keeper repaid; together, 4 × 4.59375 WETH.
  const weth = stranger.contract(suite.env.home, BALLAST_CONTRACTS.weth);
  const balances = await Promise.all(keys.map((key) => new BallastUser(suite.env.deployments, key).balanceOf(suite.env.home, weth)));
  expect(balances.reduce((sum, balance) => sum + balance, 0n)).toBe(parseEther('18.375'));
  for (const { keeper } of keepers) expect(await keeper.failures()).toEqual([]);

  const split = keepers.map(({ keeper }) => Object.values(keeper.metrics.snapshot().actions).reduce((sum, counts) => sum + counts.sent, 0));
  console.log(`two keepers: crash → every account settled in ${elapsed} ms; actions sent by each: ${split.join(' / ')}`);
  await Promise.all(keepers.map((keeper) => keeper.stop()));
}, 90_000);
