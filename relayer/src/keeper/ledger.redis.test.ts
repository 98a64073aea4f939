// The keeper's score ledger on a real Redis: scores read back as written; a Redis that lost the assets
// lists gets them back with the next write (scores still read meanwhile, with no assets); a line another
// version wrote (the JSON of earlier keepers) is skipped, not fatal, until the keeper rewrites it.
import { type Address, getAddress } from 'viem';
import { expect, test } from 'vitest';
import { redisSuite } from '../../../test/support/redis-suite.ts';
import { KeeperLedger, type StoredScore } from './ledger.ts';

const WETH = getAddress('0x00000000000000000000000000000000000000bb');
const WBTC = getAddress('0x00000000000000000000000000000000000000cc');
const ALICE: Address = '0x976EA74026E726554dB657fA54763abd0C3a0aa9';
const BOB: Address = '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955';

const suite = redisSuite('keeper-ledger');

const score = (account: Address, assets: readonly Address[]): StoredScore => ({
  account,
  bucket: 'watch',
  health: '1200000000000000000',
  usageHealth: undefined,
  epoch: 3,
  totalExported: '5000000000000000000000',
  totalDrawn: '0',
  assets,
  scoredAt: 1_767_000_000_000,
});

test('scores read back as written; lost assets lists come back with the next write; unreadable lines are skipped', async () => {
  const { redis, prefix } = suite;
  const ledger = new KeeperLedger(redis, prefix);
  await ledger.recordScore(score(ALICE, [WETH, WBTC]));
  expect(await ledger.score(ALICE)).toEqual(score(ALICE, [WETH, WBTC]));

  // Redis loses the lists (a restart without persistence): the score still reads, with no assets…
  await redis.del(ledger.key('asset-lists'));
  expect(await ledger.score(ALICE)).toEqual(score(ALICE, []));
  // …until any score naming the list is written again by the same process.
  await ledger.recordScore(score(BOB, [WETH, WBTC]));
  expect(await ledger.score(ALICE)).toEqual(score(ALICE, [WETH, WBTC]));

  // An earlier keeper's JSON score: skipped by every reader, not fatal.
  await redis.hset(ledger.key('accounts'), BOB, JSON.stringify({ account: BOB, bucket: 'healthy' }));
  expect(await ledger.score(BOB)).toBeUndefined();
  expect((await ledger.scores()).map((stored) => stored.account)).toEqual([ALICE]);
});
