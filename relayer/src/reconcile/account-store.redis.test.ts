// The reconcile store's rules for the liquidation events, on a real Redis through the ledger's commit:
// batches written by hand in the order the contracts emit them (CreditMirror's _applyLiquidatable,
// _applyBadDebt, _applyGrant on a flagged line, _applyRecall, liquidate, returnParked; the vault's
// SEIZE settlement; the liquidation epoch). The random-traffic suite (relayer/test/ingest.redis.test.ts) checks the rest
// against real chains.
import { RELEASE_REASONS } from '@ballast/protocol';
import { type Address, type Hash, keccak256, toHex, zeroHash } from 'viem';
import { beforeAll, expect, test } from 'vitest';
import { redisSuite } from '../../../test/support/redis-suite.ts';
import type { DecodedEvent, IngestedEvent } from '../ingest/contracts.ts';
import type { EventBatch } from '../ingest/event-source.ts';
import { IngestLedger, type StateWrite } from '../ingest/ledger.ts';
import { type AccountState, ReconcileStore } from './account-store.ts';

const HOME = 40_101;
const REMOTE = 40_102;
const ALICE: Address = '0x976EA74026E726554dB657fA54763abd0C3a0aa9';
const POOL: Address = '0x00000000000000000000000000000000000000aa';
const WETH: Address = '0x00000000000000000000000000000000000000bb';
const reason = (name: (typeof RELEASE_REASONS)[number]) => RELEASE_REASONS.indexOf(name);
const credit = (usd: bigint) => usd * 10n ** 18n;

const suite = redisSuite('store');
let ledger: IngestLedger;
let store: ReconcileStore;
const blocks = new Map<number, bigint>();

beforeAll(() => {
  const { redis, prefix } = suite;
  ledger = new IngestLedger(redis, prefix);
  store = new ReconcileStore({ redis, prefix, chains: [{ eid: HOME, role: 'home' }, { eid: REMOTE, role: 'remote' }] });
});

const hash = (label: string): Hash => keccak256(toHex(label));

/** Applies one block of `eid` whose transactions emit `transactions[i]` in order, and commits it. */
async function applyBlock(eid: number, transactions: DecodedEvent[][]): Promise<StateWrite[]> {
  const block = (blocks.get(eid) ?? 0n) + 1n;
  blocks.set(eid, block);
  let logIndex = 0;
  const events = transactions.flatMap((decoded, index) =>
    decoded.map((event): IngestedEvent => ({ ...event, eid, address: POOL, blockNumber: block, blockHash: hash(`${eid}/${block}`), logIndex: logIndex++, transactionHash: hash(`${eid}/${block}/${index}`) })),
  );
  const batch: EventBatch = { eid, fromBlock: block, toBlock: block, toBlockHash: hash(`${eid}/${block}`), headBlock: block, events };
  const writes = await store.apply(batch);
  const seq = (await ledger.cursor(eid))?.seq ?? 0;
  await ledger.commitBatch(eid, { seq, block: { number: block, hash: batch.toBlockHash }, blocks: [{ number: block, hash: batch.toBlockHash }], writes, keepFrom: block - 64n });
  return writes;
}

const line = async () => (await store.account(ALICE)).lines[REMOTE];

test('a flagged line sheds undrawn credit, a late grant parks without touching the line, liquidation and bad debt write it down', async () => {
  await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'CreditGranted', args: { account: ALICE, owner: ALICE, amount: credit(100n), grantId: 1n } }]]);
  await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'Drawn', args: { account: ALICE, consumer: POOL, amount: credit(60n) } }]]);
  expect(await line()).toEqual({ line: credit(100n), drawn: credit(60n), parked: 0n });

  // LIQUIDATABLE: the undrawn 40 is parked, the line shrinks to what is drawn.
  await applyBlock(REMOTE, [
    [
      { contract: 'mirror', eventName: 'CreditParked', args: { account: ALICE, amount: credit(40n), reason: reason('liquidation'), lineShrank: true } },
      { contract: 'mirror', eventName: 'LineFlagged', args: { account: ALICE, epoch: 1, repayable: credit(30n) } },
    ],
    // A GRANT sent before the flag lands after it: parked, never on the line (same block, another transaction).
    [{ contract: 'mirror', eventName: 'CreditParked', args: { account: ALICE, amount: credit(25n), reason: reason('liquidation'), lineShrank: false } }],
  ]);
  expect(await line()).toEqual({ line: credit(60n), drawn: credit(60n), parked: credit(65n) });

  // A liquidator repays 30: drawn and line both shrink.
  await applyBlock(REMOTE, [
    [
      {
        contract: 'mirror',
        eventName: 'Liquidated',
        args: { account: ALICE, consumer: POOL, liquidator: POOL, amount: credit(30n), asset: WETH, epoch: 1, seizeId: 1n, guid: zeroHash },
      },
    ],
  ]);
  expect(await line()).toEqual({ line: credit(30n), drawn: credit(30n), parked: credit(65n) });

  // BAD_DEBT writes off the remaining 30 drawn; the line goes to zero, the 30 parked to go home.
  await applyBlock(REMOTE, [
    [
      { contract: 'mirror', eventName: 'BadDebtWrittenOff', args: { account: ALICE, consumer: POOL, amount: credit(30n), notified: true } },
      { contract: 'mirror', eventName: 'CreditParked', args: { account: ALICE, amount: credit(30n), reason: reason('liquidation'), lineShrank: true } },
    ],
  ]);
  expect(await line()).toEqual({ line: 0n, drawn: 0n, parked: credit(95n) });

  // returnParked sends it all home with the parked reason.
  await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'CreditReleased', args: { account: ALICE, amount: credit(95n), reason: reason('liquidation'), guid: zeroHash } }]]);
  expect(await line()).toEqual({ line: 0n, drawn: 0n, parked: 0n });
});

test('a BAD_DEBT that writes off nothing drawn still takes the undrawn credit off the line (the event says so)', async () => {
  await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'CreditGranted', args: { account: ALICE, owner: ALICE, amount: credit(70n), grantId: 3n } }]]);
  // Nothing drawn, so no BadDebtWrittenOff in the transaction: only the event's own word tells the line shrank.
  await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'CreditParked', args: { account: ALICE, amount: credit(70n), reason: reason('liquidation'), lineShrank: true } }]]);
  expect(await line()).toEqual({ line: 0n, drawn: 0n, parked: credit(70n) });
  await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'CreditReleased', args: { account: ALICE, amount: credit(70n), reason: reason('liquidation'), guid: zeroHash } }]]);
  expect(await line()).toEqual({ line: 0n, drawn: 0n, parked: 0n });
});

test('a RECALL parks undrawn credit off the line; a voluntary release shrinks the line', async () => {
  await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'CreditGranted', args: { account: ALICE, owner: ALICE, amount: credit(50n), grantId: 2n } }]]);
  await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'CreditParked', args: { account: ALICE, amount: credit(20n), reason: reason('recalled'), lineShrank: true } }]]);
  expect(await line()).toEqual({ line: credit(30n), drawn: 0n, parked: credit(20n) });
  await applyBlock(REMOTE, [
    [{ contract: 'mirror', eventName: 'CreditReleased', args: { account: ALICE, amount: credit(20n), reason: reason('recalled'), guid: zeroHash } }],
    [{ contract: 'mirror', eventName: 'CreditReleased', args: { account: ALICE, amount: credit(10n), reason: reason('voluntary'), guid: zeroHash } }],
  ]);
  expect(await line()).toEqual({ line: credit(20n), drawn: 0n, parked: 0n });
});

test('a SEIZE takes repaid credit off exported and the paid collateral off the account', async () => {
  await applyBlock(HOME, [
    [{ contract: 'vault', eventName: 'Deposited', args: { account: ALICE, asset: WETH, caller: ALICE, amount: 10n ** 19n } }],
    [{ contract: 'vault', eventName: 'CreditExported', args: { account: ALICE, dstEid: REMOTE, receiver: ALICE, amount: credit(200n), grantId: 1n, deadline: 0n, guid: zeroHash } }],
  ]);
  await applyBlock(HOME, [
    [
      {
        contract: 'vault',
        eventName: 'SeizeApplied',
        args: { account: ALICE, srcEid: REMOTE, liquidator: POOL, repaid: credit(30n), epoch: 1n, seizeId: 1n, withBonus: true, unpaid: 0n },
      },
      { contract: 'vault', eventName: 'CollateralSeized', args: { account: ALICE, liquidator: POOL, asset: WETH, amount: 4n * 10n ** 18n, claimable: false } },
    ],
  ]);
  const state = await store.account(ALICE);
  expect(state.collateral).toEqual({ [WETH]: 6n * 10n ** 18n });
  expect(state.exported).toEqual({ [REMOTE]: credit(170n) });

  // Rolled back over the seize's block, both come back.
  const seq = (await ledger.cursor(HOME))?.seq ?? 0;
  const restores = await ledger.planRollback(HOME, 1n);
  await ledger.commitRollback(HOME, { seq, block: { number: 1n, hash: hash(`${HOME}/1`) } }, restores);
  expect(await store.account(ALICE)).toMatchObject({ collateral: { [WETH]: 10n ** 19n }, exported: { [REMOTE]: credit(200n) } });
});

test('the liquidation epoch follows AccountFlagged and AccountCleared; batched reads and patches from a batch\'s writes agree with account()', async () => {
  const BOB: Address = '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955';
  await applyBlock(HOME, [
    [{ contract: 'vault', eventName: 'Deposited', args: { account: BOB, asset: WETH, caller: BOB, amount: 10n ** 18n } }],
    [{ contract: 'vault', eventName: 'AccountFlagged', args: { account: BOB, epoch: 1, health: 9n * 10n ** 17n, remoteMask: 1n } }],
  ]);
  expect((await store.account(BOB)).epoch).toBe(1);
  await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'CreditGranted', args: { account: BOB, owner: BOB, amount: credit(70n), grantId: 3n } }]]);
  await applyBlock(HOME, [[{ contract: 'vault', eventName: 'AccountCleared', args: { account: BOB, epoch: 2, health: 11n * 10n ** 17n } }]]);
  const [state] = await store.accountStates([BOB, ALICE]);
  expect(state).toEqual(await store.account(BOB));
  expect(state).toMatchObject({ epoch: 2, collateral: { [WETH]: 10n ** 18n }, lines: { [REMOTE]: { line: credit(70n), drawn: 0n, parked: 0n } } });

  // A write that changes nothing is dropped: BOB is in the home index already, so a deposit writes only its field.
  const writes = await store.apply({
    eid: HOME,
    fromBlock: 99n,
    toBlock: 99n,
    toBlockHash: hash('unused'),
    headBlock: 99n,
    events: [{ contract: 'vault', eventName: 'Deposited', args: { account: BOB, asset: WETH, caller: BOB, amount: 1n }, eid: HOME, address: POOL, blockNumber: 99n, blockHash: hash('unused'), logIndex: 0, transactionHash: hash('unused/0') }],
  });
  expect(writes.map(({ field, value }) => [field, value])).toEqual([[`collateral:${WETH}`, (10n ** 18n + 1n).toString()]]);

  // A batch's writes bring a copy of the state up to date without reading Redis: what a read returns.
  const drawnWrites = await applyBlock(REMOTE, [[{ contract: 'mirror', eventName: 'Drawn', args: { account: BOB, consumer: POOL, amount: credit(20n) } }]]);
  const copy = await store.account(BOB);
  const changes = store.accountWrites(REMOTE, drawnWrites);
  expect([...changes.keys()]).toEqual([BOB]);
  // Grouped once per batch: asked again for the same writes, the same map.
  expect(store.accountWrites(REMOTE, drawnWrites)).toBe(changes);
  // No collateral written: the assets held are the same.
  expect(store.patch(copy, REMOTE, changes.get(BOB) ?? [])).toBe(false);
  expect(copy).toEqual(await store.account(BOB));
  const homeWrites = await applyBlock(HOME, [[{ contract: 'vault', eventName: 'Withdrawn', args: { account: BOB, asset: WETH, caller: BOB, receiver: BOB, amount: 1n } }]]);
  expect(store.patch(copy, HOME, store.accountWrites(HOME, homeWrites).get(BOB) ?? [])).toBe(true);
  expect(copy).toEqual(await store.account(BOB));
  const exportWrites = await applyBlock(HOME, [[{ contract: 'vault', eventName: 'CreditExported', args: { account: BOB, dstEid: REMOTE, receiver: BOB, amount: credit(5n), grantId: 9n, deadline: 0n, guid: zeroHash } }]]);
  expect(store.patch(copy, HOME, store.accountWrites(HOME, exportWrites).get(BOB) ?? [])).toBe(false);
  expect(copy).toEqual(await store.account(BOB));
  expect(copy.collateral[WETH]).toBe(10n ** 18n - 1n);
});
