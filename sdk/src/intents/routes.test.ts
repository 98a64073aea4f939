// The route choice alone: the cheapest set of sources that makes an intent feasible, and the amounts taken.
import { expect, test } from 'vitest';
import { type FreeSource, coversByFee, describeSources, trimCover } from './routes.ts';

const source = (kind: FreeSource['kind'], eid: number, amount: bigint, fee: bigint): FreeSource => ({ kind, eid, chain: `remote-${eid}`, amount, fee });

test('the cheapest feasible set wins; fewer steps on a tie; the empty set when nothing needs to move', () => {
  const sources = [source('release', 1, 900n, 10n), source('release', 2, 700n, 4n), source('returnParked', 2, 200n, 4n)];
  const covering = (needed: bigint) => (chosen: readonly FreeSource[]) => chosen.reduce((sum, item) => sum + item.amount, 0n) >= needed;
  expect(coversByFee(sources, covering(0n))[0]?.sources).toEqual([]);
  // 800: remote 1 alone (fee 10) against remote 2's line and parked credit together (fee 8): the cheaper pair wins.
  const best = coversByFee(sources, covering(800n))[0];
  expect(best?.fee).toBe(8n);
  expect(describeSources(best?.sources ?? [])).toBe('release on remote-2 + return parked on remote-2');
  // Nothing covers more than everything.
  expect(coversByFee(sources, covering(1_801n))).toEqual([]);
  // Equal fees: the set with fewer steps first.
  const tied = coversByFee([source('release', 1, 500n, 10n), source('release', 2, 250n, 5n), source('release', 3, 250n, 5n)], covering(500n));
  expect(tied.map((cover) => cover.fee)).toEqual([10n, 10n, 15n, 15n, 20n]);
  expect(tied[0]?.sources.map((item) => item.eid)).toEqual([1]);
});

test('parked credit returns whole, lines give only what is still needed', () => {
  const cover = { sources: [source('release', 1, 900n, 1n), source('returnParked', 2, 200n, 1n), source('release', 3, 700n, 1n)], fee: 3n, freed: 1_800n };
  expect(trimCover(cover, 1_000n).map((item) => [item.kind, item.eid, item.amount])).toEqual([
    ['returnParked', 2, 200n],
    ['release', 1, 800n],
  ]);
});
