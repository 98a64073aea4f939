// The ingest ledger's commit script on a real Redis: compare-and-set on the cursor, the per-block undo
// journal a rollback restores from, window pruning that keeps an anchor, and keys kept in the chain's
// hash tag. No chain: blocks and hashes are made up.
import { type Hash, keccak256, toHex } from 'viem';
import { beforeAll, expect, test } from 'vitest';
import { redisSuite } from '../../../test/support/redis-suite.ts';
import { IngestConflictError, StateKeyOutsideChainError } from './errors.ts';
import { type BlockRef, IngestLedger, type StateWrite, chainKey } from './ledger.ts';

const EID = 40_101;
const suite = redisSuite('ledger');
const { prefix } = suite;
let ledger: IngestLedger;

beforeAll(() => {
  ledger = new IngestLedger(suite.redis, prefix);
});

const hashOf = (block: bigint, fork = 'a'): Hash => keccak256(toHex(`${fork}-${block}`));
const ref = (number: bigint, fork = 'a'): BlockRef => ({ number, hash: hashOf(number, fork) });
const account = () => chainKey(prefix, EID, 'state', 'alice');

async function commit(seq: number, block: bigint, writes: Omit<StateWrite, 'key'>[], reorgDepth = 10n): Promise<number> {
  return ledger.commitBatch(EID, { seq, block: ref(block), blocks: [ref(block)], writes: writes.map((write) => ({ key: account(), ...write })), keepFrom: block - reorgDepth });
}

test('a commit moves the cursor with its writes; a commit from a stale seq writes nothing', async () => {
  expect(await ledger.cursor(EID)).toBeUndefined();
  expect(await commit(0, 10n, [{ field: 'collateral', value: '5', block: 10n }])).toBe(1);
  expect(await ledger.cursor(EID)).toEqual({ block: 10n, hash: hashOf(10n), seq: 1 });

  await expect(commit(0, 11n, [{ field: 'collateral', value: '999', block: 11n }])).rejects.toBeInstanceOf(IngestConflictError);
  expect(await suite.redis.hget(account(), 'collateral')).toBe('5');
  expect((await ledger.cursor(EID))?.block).toBe(10n);
});

test('a rollback restores each field to its value at the common block, including fields that did not exist', async () => {
  let seq = (await ledger.cursor(EID))?.seq ?? 0;
  seq = await commit(seq, 11n, [
    { field: 'collateral', value: '6', block: 11n },
    { field: 'collateral', value: '7', block: 11n },
  ]);
  seq = await commit(seq, 12n, [
    { field: 'collateral', value: '8', block: 12n },
    { field: 'line', value: '100', block: 12n },
  ]);
  seq = await commit(seq, 13n, [{ field: 'line', value: null, block: 13n }]);
  expect(await suite.redis.hgetall(account())).toEqual({ collateral: '8' });

  const restores = await ledger.planRollback(EID, 11n);
  expect(restores.map(({ field, value }) => ({ field, value })).sort((a, b) => a.field.localeCompare(b.field))).toEqual([
    { field: 'collateral', value: '7' },
    { field: 'line', value: null },
  ]);
  await ledger.commitRollback(EID, { seq, block: ref(11n) }, restores);
  expect(await suite.redis.hgetall(account())).toEqual({ collateral: '7' });
  expect(await ledger.cursor(EID)).toEqual({ block: 11n, hash: hashOf(11n), seq: seq + 1 });
  expect((await ledger.window(EID)).map(({ number }) => number)).toEqual([11n, 10n]);
  // Nothing above the common block is left to undo.
  expect(await ledger.planRollback(EID, 11n)).toEqual([]);
  expect(await ledger.planRollback(EID, 10n)).toEqual([expect.objectContaining({ field: 'collateral', value: '5' })]);
});

test('the window keeps reorgDepth blocks and one anchor below them; undo entries at or below the anchor go', async () => {
  let seq = (await ledger.cursor(EID))?.seq ?? 0;
  for (let block = 12n; block <= 30n; block += 1n) seq = await commit(seq, block, [{ field: 'collateral', value: block.toString(), block }], 5n);
  const window = (await ledger.window(EID)).map(({ number }) => number);
  expect(window).toEqual([30n, 29n, 28n, 27n, 26n, 25n, 24n]);
  const restores = await ledger.planRollback(EID, 24n);
  expect(restores).toEqual([expect.objectContaining({ field: 'collateral', value: '24' })]);
  expect(await suite.redis.zcard(ledger.keys(EID).undoIndex)).toBe(6);
});

test('a write outside the chain\'s hash tag is refused before anything is written', async () => {
  const seq = (await ledger.cursor(EID))?.seq ?? 0;
  await expect(
    ledger.commitBatch(EID, { seq, block: ref(31n), blocks: [ref(31n)], writes: [{ key: chainKey(prefix, EID + 1, 'state'), field: 'x', value: '1', block: 31n }], keepFrom: 0n }),
  ).rejects.toBeInstanceOf(StateKeyOutsideChainError);
  expect((await ledger.cursor(EID))?.block).toBe(30n);
});
