// The keeper's in-memory copy of positions: the holders index follows each account's stored score (a tick
// re-scores exactly the holders of its asset), accounts holding the same assets share one frozen list, and a
// sweep forgets what the store no longer lists; a rollback drops the cached positions.
import { type Address, getAddress } from 'viem';
import { expect, test } from 'vitest';
import { SeededRandom } from '../../../packages/protocol/src/seeded-random.ts';
import type { AccountState } from '../reconcile/account-store.ts';
import { PositionCache } from './positions.ts';

const WETH = getAddress('0x00000000000000000000000000000000000000bb');
const WBTC = getAddress('0x00000000000000000000000000000000000000cc');
const ALICE: Address = '0x976EA74026E726554dB657fA54763abd0C3a0aa9';
const BOB: Address = '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955';
const state = (account: Address, collateral: Record<Address, bigint>): AccountState => ({
  account,
  collateral,
  exported: { 40_102: 10n },
  lines: { 40_102: { line: 10n, drawn: 4n, parked: 0n } },
  epoch: 0,
});

test('the holders index follows the stored scores; equal asset lists are shared and frozen', () => {
  const cache = new PositionCache();
  const alice = cache.entry(ALICE);
  const bob = cache.entry(BOB);
  expect(cache.entry(ALICE)).toBe(alice);
  cache.setPosition(alice, state(ALICE, { [WBTC]: 1n, [WETH]: 2n }));
  cache.setPosition(bob, state(BOB, { [WETH]: 3n, [WBTC]: 4n, [getAddress('0x00000000000000000000000000000000000000dd')]: 0n }));
  expect(alice.assets).toEqual([WETH, WBTC].sort());
  expect(bob.assets).toBe(alice.assets);
  expect(Object.isFrozen(alice.assets)).toBe(true);
  expect(alice.totals).toEqual({ totalExported: 10n, totalDrawn: 4n });

  // Nothing is indexed before a score is stored.
  expect([...cache.holders(WETH)]).toEqual([]);
  cache.setStored(alice, 'healthy', alice.assets);
  cache.setStored(bob, 'watch', bob.assets);
  expect(new Set(cache.holders(WETH))).toEqual(new Set([alice, bob]));
  expect(alice.stored).toEqual({ bucket: 'healthy', assets: alice.assets });

  // Alice withdraws her WBTC: out of its holders, still a WETH holder.
  cache.setStored(alice, 'recall', [WETH]);
  expect([...cache.holders(WBTC)]).toEqual([bob]);
  expect(new Set(cache.holders(WETH))).toEqual(new Set([alice, bob]));

  // A sweep that no longer finds Bob forgets him.
  cache.retain(new Set([ALICE]));
  expect(cache.size).toBe(1);
  expect([...cache.holders(WETH)]).toEqual([alice]);
  expect([...cache.holders(WBTC)]).toEqual([]);
});

test('after a rollback every cached position is dropped (read whole again), the holders index kept', () => {
  const cache = new PositionCache();
  const alice = cache.entry(ALICE);
  cache.setPosition(alice, state(ALICE, { [WETH]: 2n }));
  cache.setStored(alice, 'healthy', alice.assets);
  cache.forgetStates();
  expect(alice.state).toBeUndefined();
  expect([...cache.holders(WETH)]).toEqual([alice]);
});

test('a patch without collateral writes keeps the assets held and re-sums the totals: the same as reading the position whole (500 random patches)', () => {
  const random = new SeededRandom(20261126n);
  const pick = (count: number) => Number(random.below(BigInt(count)));
  const cache = new PositionCache();
  const reference = new PositionCache();
  const position = state(ALICE, { [WETH]: 2n, [WBTC]: 1n });
  const entry = cache.entry(ALICE);
  cache.setPosition(entry, position);
  for (let patch = 0; patch < 500; patch++) {
    const eid = [40_102, 40_103][pick(2)] as number;
    const kind = pick(4);
    if (kind === 0) {
      // Home: collateral moves (possibly to 0, dropping the asset): read as a whole.
      position.collateral[[WETH, WBTC][pick(2)] as Address] = random.below(3n);
      cache.setPosition(entry, position);
    } else {
      if (kind === 1) position.exported[eid] = random.below(100n) - 10n;
      else position.lines[eid] = { line: random.below(100n), drawn: random.below(100n) - 10n, parked: random.below(5n) };
      cache.setTotals(entry, position);
    }
    const whole = reference.entry(ALICE);
    reference.setPosition(whole, structuredClone(position));
    expect(entry.assets, `patch ${patch}`).toEqual(whole.assets);
    expect(entry.totals, `patch ${patch}`).toEqual(whole.totals);
  }
});
