// pnpm bench:relayer (also part of `pnpm bench`): the relayer's reconcile store and keeper at scale, and
// the keeper's reaction time on the devnet — measured, never asserted. Writes the relayer section of
// docs/BENCHMARKS.md. Everything runs in this one process, as `ballast-relayer start` runs ingest and the
// keeper in one.
//
// 1. Reconcile throughput. Synthetic but well-formed logs, ABI-encoded as a node returns them
//    (`Deposited`, `CreditExported`, `CreditGranted`, `Drawn`, `Restored`) for N accounts, each with 4
//    collateral assets on home and a line on each of the 2 remotes, go through ingest's decoder
//    (`decodeIngestedLog`), the real `ReconcileStore.apply` and the ingest ledger's commit (the Lua script
//    that writes them with the undo journal and the cursor), one loop per chain as ingest runs them, under
//    a private Redis prefix. Reported twice: ingest alone while the population is loaded, and with the
//    keeper following (each committed batch handed to it as ingest's `applied` event, every touched
//    account re-scored and its score and asset index written) on updates to the loaded accounts.
// 2. Price tick → every holder re-scored. The same keeper, over the loaded accounts (all 4 assets each,
//    so a tick of one asset re-scores all N): the oracle answer is moved on the devnet (`setAnswer`), and
//    its real `AnswerUpdated` is handed to the keeper as an applied batch; the time runs from that hand-over
//    to the keeper's last `scored` event (score computed with @ballast/protocol's health maths, actions
//    decided) and to its last `stored` event (scores and index written to Redis).
// 3. Event → action on the devnet (run first, in a process that holds nothing else yet). A real ingest
//    (default settings) and keeper beside the courier; a position a price move makes liquidatable; the
//    oracle update, then the `flag` the keeper sends: blocks and milliseconds between the two (and when
//    ingest applied the update's block), with anvil mining on every transaction and with 1-second blocks.
// 4. Redis memory per account: `MEMORY USAGE` summed over every key of the private prefix, per account.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { chainlinkOracleAdapterAbi, collateralVaultAbi, mockAggregatorAbi, testTokenAbi } from '@ballast/abi';
import { BALLAST_CONTRACTS, ChainDeployer, devnetKeys, executeThroughTimelock, forgeBytecode, repoRoot } from '@ballast/devnet';
import { contractAddress, homeChain } from '@ballast/protocol';
import {
  type AccountScore,
  type ActionRecord,
  type ContractRole,
  type EventBatch,
  type IngestChain,
  type IngestedEvent,
  type StateWrite,
  CommitNoticePublisher,
  INGEST_ABIS,
  Ingest,
  IngestLedger,
  Keeper,
  RELAYER_NODE_FLAGS,
  ReconcileStore,
  createLogger,
  decodeIngestedLog,
} from '@ballast/relayer';
import { Redis } from 'ioredis';
import { type Abi, type AbiEvent, type AbiParameter, type Address, type Hash, type Hex, type Log, type TransactionReceipt, createTestClient, encodeFunctionData, getAddress, http, keccak256, maxUint128, parseEther, parseUnits, toEventSelector, toHex } from 'viem';
import { type KeeperStack, fundedKey, openPosition, startKeeperStack, waitUntil } from '../../relayer/test/keeper-support.ts';
import { BallastUser } from '../support/ballast.ts';
import { percentile } from '../support/pings.ts';

const HELP = `pnpm bench:relayer [--accounts 10000,100000 (0: none)] [--ticks 5] [--updates 200000] [--repeats 5] [--block-time-repeats 5] [--no-write] [--profile <dir>]

Measures the reconcile store and keeper at scale and the keeper's event → action latency on the devnet,
and writes the relayer section of docs/BENCHMARKS.md (unless --no-write). --profile <dir> writes a CPU
profile of each scale's ticks and updates (<dir>/ticks-<N>.cpuprofile, updates-<N>.cpuprofile).`;

// The relayer is measured as it runs: with its Node flags (they size the young generation). Started
// without them (`tsx test/bench/relayer.bench.ts`), the bench runs itself again with them.
if (!RELAYER_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const { status } = spawnSync(process.execPath, [...RELAYER_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string', default: '10000,100000' },
    ticks: { type: 'string', default: '5' },
    updates: { type: 'string', default: '200000' },
    repeats: { type: 'string', default: '5' },
    'block-time-repeats': { type: 'string', default: '5' },
    'no-write': { type: 'boolean', default: false },
    profile: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const SCALES = args.accounts.split(',').map(Number).filter((count) => count > 0);
const TICKS = Number(args.ticks);
const UPDATES = Number(args.updates);
const REPEATS = Number(args.repeats);
const BLOCK_TIME_REPEATS = Number(args['block-time-repeats']);
const PROFILE_DIR = args.profile;
/** Events per block and blocks per batch: a busy chain read by one `getLogs` poll. */
const EVENTS_PER_BLOCK = 100;
const BLOCKS_PER_BATCH = 10;
const REORG_DEPTH = 64n;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const results: string[] = [];
const line = (text = '') => {
  process.stdout.write(`${text}\n`);
  results.push(text);
};
const log = (text: string) => process.stdout.write(`  ${text}\n`);
const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ------------------------------------------------------------------ the devnet: Ballast with 4 collateral assets

type Asset = { symbol: string; address: Address; feed: Address; decimals: number; usd: bigint; amount: bigint };

/** Lists two more collateral assets (TestToken + MockAggregator, through the timelock) beside WETH and WBTC. */
async function listFourAssets(env: KeeperStack): Promise<Asset[]> {
  const home = homeChain(env.deployments);
  const deployer = new ChainDeployer(home, devnetKeys.deployer);
  const vault = contractAddress(home, BALLAST_CONTRACTS.vault);
  const oracle = contractAddress(home, BALLAST_CONTRACTS.oracle);
  const extra = [
    { symbol: 'LINK', decimals: 18, usd: 15n, threshold: 7_000, amount: parseUnits('500', 18) },
    { symbol: 'SOL', decimals: 9, usd: 150n, threshold: 7_500, amount: parseUnits('50', 9) },
  ];
  const assets: Asset[] = [
    { symbol: 'WETH', address: contractAddress(home, BALLAST_CONTRACTS.weth), feed: contractAddress(home, BALLAST_CONTRACTS.wethFeed), decimals: 18, usd: 2_000n, amount: parseEther('10') },
    { symbol: 'WBTC', address: contractAddress(home, BALLAST_CONTRACTS.wbtc), feed: contractAddress(home, BALLAST_CONTRACTS.wbtcFeed), decimals: 8, usd: 60_000n, amount: parseUnits('0.1', 8) },
  ];
  for (const { symbol, decimals, usd, threshold, amount } of extra) {
    const token = await deployer.deploy(symbol, forgeBytecode('TestToken'), testTokenAbi, [symbol, symbol, decimals]);
    const feed = await deployer.deploy(`${symbol}/USD feed`, forgeBytecode('MockAggregator'), mockAggregatorAbi, [8, `${symbol} / USD`, usd * 10n ** 8n]);
    await executeThroughTimelock(deployer, home.governance?.timelock as Address, `list ${symbol}`, [
      {
        target: oracle,
        data: encodeFunctionData({ abi: chainlinkOracleAdapterAbi, functionName: 'setFeed', args: [token, { aggregator: feed, heartbeat: 86_400, minPrice: 10n ** 14n, maxPrice: 10n ** 24n }] }),
      },
      { target: vault, data: encodeFunctionData({ abi: collateralVaultAbi, functionName: 'configureAsset', args: [token, threshold - 500, threshold, 800, maxUint128, true] }) },
    ]);
    home.contracts[symbol.toLowerCase()] = token;
    home.contracts[`${symbol.toLowerCase()}Feed`] = feed;
    assets.push({ symbol, address: token, feed, decimals, usd, amount });
  }
  return assets;
}

// ------------------------------------------------------------------ synthetic accounts and their events

/** Synthetic account addresses (checksummed, as decoded events carry them), computed once. */
function syntheticAccounts(count: number): Address[] {
  return Array.from({ length: count }, (_, index) => getAddress(keccak256(toHex(`ballast-bench-account-${index}`)).slice(0, 42)));
}

const hex32 = (value: number | bigint) => `0x${value.toString(16).padStart(64, '0')}` as Hash;
type Decoded = Omit<IngestedEvent, 'eid' | 'address' | 'blockNumber' | 'blockHash' | 'logIndex' | 'transactionHash'>;

/** One 32-byte ABI word of a static value (the types the bench's events use). */
function abiWord(type: string, value: unknown): string {
  if (type === 'address') return (value as string).slice(2).toLowerCase().padStart(64, '0');
  if (type === 'bytes32') return (value as string).slice(2);
  if (type === 'bool') return value ? '1'.padStart(64, '0') : '0'.repeat(64);
  if (/^uint\d+$/.test(type) && BigInt(value as bigint) >= 0n) return BigInt(value as bigint).toString(16).padStart(64, '0');
  throw new Error(`the bench does not encode ${type} ${String(value)}`);
}

/** Each event's ABI inputs and selector, by contract role and name. */
const eventShapes = new Map<string, { selector: Hex; indexed: AbiParameter[]; data: AbiParameter[] }>();

/** The raw log of `event` as a node returns it (topics and data ABI-encoded), for ingest to decode. */
function encodedLog(event: Decoded, position: { address: Address; blockNumber: bigint; blockHash: Hash; logIndex: number; transactionHash: Hash }): Log<bigint, number, false> {
  const key = `${event.contract}.${event.eventName}`;
  let shape = eventShapes.get(key);
  if (!shape) {
    const item = (INGEST_ABIS[event.contract] as Abi).find((entry): entry is AbiEvent => entry.type === 'event' && entry.name === event.eventName) as AbiEvent;
    shape = { selector: toEventSelector(item), indexed: item.inputs.filter((input) => input.indexed), data: item.inputs.filter((input) => !input.indexed) };
    eventShapes.set(key, shape);
  }
  const args = event.args as Record<string, unknown>;
  const topics = [shape.selector, ...shape.indexed.map((input): Hex => `0x${abiWord(input.type, args[input.name as string])}`)] as [Hex, ...Hex[]];
  const data: Hex = `0x${shape.data.map((input) => abiWord(input.type, args[input.name as string])).join('')}`;
  return { ...position, topics, data, transactionIndex: 0, removed: false };
}

/**
 * One synthetic chain under a prefix: places events in blocks of `EVENTS_PER_BLOCK`, commits them in
 * batches of `BLOCKS_PER_BATCH` blocks as `Ingest.step` does (each log decoded by ingest's
 * `decodeIngestedLog`, cursor read, `store.apply`, commit with the reorg window), then hands the batch on
 * (`onApplied`). The logs are built ABI-encoded, as a node returns them; the RPC round trip and its JSON
 * are not measured.
 */
class SyntheticChain {
  readonly eid: number;
  readonly #address: Address;
  readonly #role: ContractRole;
  readonly #roles: ReadonlyMap<Address, ContractRole>;
  readonly #store: ReconcileStore;
  readonly #ledger: IngestLedger;
  #block = 1_000n;
  #transaction = 0;
  events = 0;

  constructor(eid: number, role: ContractRole, address: Address, store: ReconcileStore, ledger: IngestLedger) {
    this.eid = eid;
    this.#address = address;
    this.#role = role;
    this.#roles = new Map([[address, role]]);
    this.#store = store;
    this.#ledger = ledger;
  }

  /** Commits `transactions` (each a list of events of one transaction) as one batch. */
  async commit(transactions: Decoded[][], onApplied?: (batch: EventBatch, writes: StateWrite[]) => void): Promise<void> {
    const fromBlock = this.#block + 1n;
    const logs: Log<bigint, number, false>[] = [];
    let block = fromBlock;
    let logIndex = 0;
    const address = this.#address.toLowerCase() as Address;
    for (const transaction of transactions) {
      if (logIndex >= EVENTS_PER_BLOCK) {
        block += 1n;
        logIndex = 0;
      }
      const transactionHash = hex32(++this.#transaction);
      for (const event of transaction) {
        if (event.contract !== this.#role) throw new Error(`a ${event.contract} event on the ${this.#role}'s chain`);
        logs.push(encodedLog(event, { address, blockNumber: block, blockHash: hex32(block), logIndex: logIndex++, transactionHash }));
      }
    }
    this.#block = block;
    // What ingest does with a getLogs result: decode each log against its contract's ABI.
    const events = logs.map((log) => decodeIngestedLog(this.eid, this.#roles, log));
    if (events.some((event) => event === undefined)) throw new Error('the bench built a log that ingest does not decode');
    const batch: EventBatch = { eid: this.eid, fromBlock, toBlock: block, toBlockHash: hex32(block), headBlock: block, events: events as IngestedEvent[] };
    const seq = (await this.#ledger.cursor(this.eid))?.seq ?? 0;
    const writes = await this.#store.apply(batch);
    const blocks = [...new Set(logs.map((log) => log.blockNumber))].map((number) => ({ number, hash: hex32(number) }));
    await this.#ledger.commitBatch(this.eid, { seq, block: { number: block, hash: batch.toBlockHash }, blocks, writes, keepFrom: block - REORG_DEPTH });
    this.events += events.length;
    onApplied?.(batch, writes);
  }
}

type Population = {
  accounts: Address[];
  assets: Asset[];
  homeEid: number;
  remotes: number[];
  pool: Address;
};

/** The events that open account `index`'s position on `eid`: 4 deposits and 2 exports on home; a grant and a draw on a remote. */
function openingEvents(population: Population, eid: number, index: number): Decoded[] {
  const account = population.accounts[index] as Address;
  if (eid === population.homeEid) {
    return [
      ...population.assets.map((asset): Decoded => ({ contract: 'vault', eventName: 'Deposited', args: { account, asset: asset.address, caller: account, amount: asset.amount } })),
      ...population.remotes.map(
        (dstEid): Decoded => ({
          contract: 'vault',
          eventName: 'CreditExported',
          args: { account, dstEid, receiver: account, amount: parseEther('8000'), grantId: BigInt(index), deadline: 2n ** 40n, guid: hex32(index) },
        }),
      ),
    ];
  }
  return [
    { contract: 'mirror', eventName: 'CreditGranted', args: { account, owner: account, amount: parseEther('8000'), grantId: BigInt(index) } },
    { contract: 'mirror', eventName: 'Drawn', args: { account, consumer: population.pool, amount: parseEther('5000') } },
  ];
}

/** One small update of a loaded account: a deposit on home, a draw or a restore on a remote (healths stay far above 1). */
function updateEvent(population: Population, eid: number, index: number, round: number): Decoded {
  const account = population.accounts[index] as Address;
  if (eid === population.homeEid) {
    const asset = population.assets[round % population.assets.length] as Asset;
    return { contract: 'vault', eventName: 'Deposited', args: { account, asset: asset.address, caller: account, amount: asset.amount / 1_000n } };
  }
  const amount = parseEther('10');
  return round % 2 === 0
    ? { contract: 'mirror', eventName: 'Drawn', args: { account, consumer: population.pool, amount } }
    : { contract: 'mirror', eventName: 'Restored', args: { account, consumer: population.pool, amount } };
}

// ------------------------------------------------------------------ Redis memory

type MemoryReport = { keys: number; bytes: Record<string, number>; oneAccount: number };

/** `MEMORY USAGE` of every key under `prefix`, grouped by what it holds. */
async function memoryOf(redis: Redis, prefix: string, sample: Address, homeEid: number, remotes: number[]): Promise<MemoryReport> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5_000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const bytes: Record<string, number> = {};
  for (let start = 0; start < keys.length; start += 5_000) {
    const slice = keys.slice(start, start + 5_000);
    const pipeline = redis.pipeline();
    for (const key of slice) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const replies = (await pipeline.exec()) ?? [];
    slice.forEach((key, index) => {
      const kind = key.includes(':reconcile:account:')
        ? 'store: account hashes'
        : key.endsWith(':reconcile:accounts')
          ? 'store: account index'
          : key.includes(':ingest:')
            ? 'ingest: cursor, reorg window, undo journal'
            : key.endsWith(':keeper:accounts')
              ? 'keeper: scores'
              : 'other (queues, feeds)';
      bytes[kind] = (bytes[kind] ?? 0) + Number(replies[index]?.[1] ?? 0);
    });
  }
  const own = [homeEid, ...remotes].map((eid) => `${prefix}:{chain:${eid}}:reconcile:account:${sample}`);
  const oneAccount = (await Promise.all(own.map((key) => redis.memory('USAGE', key, 'SAMPLES', 0)))).reduce<number>((sum, value) => sum + Number(value ?? 0), 0);
  return { keys: keys.length, bytes, oneAccount };
}

async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/**
 * With `--profile <dir>`, a V8 CPU profile of one measured phase (open `<dir>/<name>.cpuprofile` in Chrome
 * DevTools or speedscope): where a tick's or the updates' time goes. Undefined without the flag.
 */
async function startProfile(name: string): Promise<{ stop: () => Promise<void> } | undefined> {
  if (!PROFILE_DIR) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await mkdir(PROFILE_DIR, { recursive: true });
      await writeFile(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
      log(`profile written: ${join(PROFILE_DIR, `${name}.cpuprofile`)}`);
    },
  };
}

// ------------------------------------------------------------------ 1, 2 and 4: one scale

type ScaleResult = {
  accounts: number;
  load: { updates: number; seconds: number };
  coldSweepMs: number;
  ticksMs: number[];
  storedMs: number[];
  steady: { updates: number; seconds: number; rescored: number };
  memory: MemoryReport;
  heapBytesPerAccount: number;
};

async function measureScale(env: KeeperStack, redis: Redis, assets: Asset[], count: number): Promise<ScaleResult> {
  const { deployments } = env;
  const prefix = `bench-relayer-${process.pid}-${count}`;
  await deletePrefix(redis, prefix);
  const home = homeChain(deployments);
  const population: Population = {
    accounts: syntheticAccounts(count),
    assets,
    homeEid: home.eid,
    remotes: env.remotes,
    pool: contractAddress(deployments.chains.find((chain) => chain.eid === env.remotes[0]) as (typeof deployments.chains)[number], BALLAST_CONTRACTS.pool),
  };
  const store = new ReconcileStore({ redis, chains: deployments.chains, prefix });
  const ledger = new IngestLedger(redis, prefix);
  const chains = deployments.chains.map(
    (chain) =>
      chain.role === 'home'
        ? new SyntheticChain(chain.eid, 'vault', contractAddress(chain, BALLAST_CONTRACTS.vault), store, ledger)
        : new SyntheticChain(chain.eid, 'mirror', contractAddress(chain, BALLAST_CONTRACTS.mirror), store, ledger),
  );

  // 1a. Ingest alone (decode, store, commit): every account's opening events, one loop per chain.
  log(`${fmt(count)} accounts: loading through ReconcileStore.apply + the ingest commit`);
  const loadStart = performance.now();
  await Promise.all(
    chains.map(async (chain) => {
      const perAccount = openingEvents(population, chain.eid, 0).length;
      const accountsPerBatch = Math.max(1, Math.floor((EVENTS_PER_BLOCK * BLOCKS_PER_BATCH) / perAccount));
      for (let first = 0; first < count; first += accountsPerBatch) {
        const transactions: Decoded[][] = [];
        for (let index = first; index < Math.min(count, first + accountsPerBatch); index++) transactions.push(openingEvents(population, chain.eid, index));
        await chain.commit(transactions);
      }
    }),
  );
  const load = { updates: chains.reduce((sum, chain) => sum + chain.events, 0), seconds: (performance.now() - loadStart) / 1_000 };
  log(`loaded ${fmt(load.updates)} updates in ${load.seconds.toFixed(1)} s: ${fmt(load.updates / load.seconds)} updates/s`);

  // The keeper, following a stand-in for ingest (this loop commits the batches; the keeper gets them as `applied`).
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const ingest = new Ingest({ chains: [], redis, consumer: store, prefix });
  // As `start` runs ingest: a commit notice published for each batch (the keeper drops its own unread).
  const notices = new CommitNoticePublisher({ redis, prefix, store });
  const unfollow = notices.follow(ingest);
  const keeper = new Keeper({
    deployments,
    redisUrl: env.stack.redis.url,
    prefix,
    transactorKey: devnetKeys.couriers[2],
    ingest,
    store,
    logger: createLogger(process.env.BALLAST_LOG_LEVEL ?? 'silent'),
    // Only the batches and ticks below score (the one sweep is at start).
    settings: { sweepIntervalMs: 3_600_000 },
  });
  let scored = 0;
  let onScored: ((score: AccountScore) => void) | undefined;
  let onStored: ((count: number) => void) | undefined;
  keeper.on('scored', (score) => {
    scored += 1;
    onScored?.(score);
  });
  let storedTotal = 0;
  keeper.on('stored', (count) => {
    storedTotal += count;
    onStored?.(count);
  });
  const coldStart = performance.now();
  keeper.start();
  await waitUntil('the first sweep', async () => scored >= count || `${scored} scored`, 600_000, 20);
  const coldSweepMs = performance.now() - coldStart;
  log(`first sweep: ${fmt(count)} accounts scored in ${fmt(coldSweepMs)} ms`);
  // The heap is measured at rest: every score written.
  await waitUntil('the first sweep written', async () => storedTotal >= count || `${storedTotal} written`, 600_000, 20);
  gc();
  const heapBytesPerAccount = (process.memoryUsage().heapUsed - heapBefore) / count;

  // 2. Price ticks: one asset's answer moves ±1 %; every account holds it.
  const deployer = new BallastUser(deployments, devnetKeys.users[3]);
  const roles = new Map(assets.map((asset) => [asset.feed, 'feed' as const]));
  const ticksMs: number[] = [];
  const storedMs: number[] = [];
  const tickProfile = await startProfile(`ticks-${count}`);
  for (let tick = 0; tick < TICKS; tick++) {
    const asset = assets[tick % assets.length] as Asset;
    const answer = (asset.usd * 10n ** 8n * BigInt(tick % 2 === 0 ? 99 : 101)) / 100n;
    const receipt = await deployer.setAnswer(asset.feed, answer);
    const events = receipt.logs.map((entry) => decodeIngestedLog(home.eid, roles, entry)).filter((event): event is IngestedEvent => event !== undefined);
    const batch: EventBatch = { eid: home.eid, fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber, toBlockHash: receipt.blockHash, headBlock: receipt.blockNumber, events };
    const decided = new Promise<number>((resolve) => {
      let seen = 0;
      onScored = () => {
        seen += 1;
        if (seen === count) resolve(performance.now());
      };
    });
    const stored = new Promise<number>((resolve) => {
      let seen = 0;
      onStored = (written) => {
        seen += written;
        if (seen === count) resolve(performance.now());
      };
    });
    const start = performance.now();
    ingest.emit('applied', batch, []);
    ticksMs.push((await decided) - start);
    storedMs.push((await stored) - start);
    onScored = undefined;
    onStored = undefined;
    log(`tick ${tick + 1} (${asset.symbol} ${tick % 2 === 0 ? '−' : '+'}1 %): ${fmt(count)} re-scored and decided in ${fmt(ticksMs.at(-1) as number)} ms, scores stored at ${fmt(storedMs.at(-1) as number)} ms`);
  }

  await tickProfile?.stop();
  // 1b. With the keeper following: updates to loaded accounts, each batch handed to the keeper.
  const perChain = Math.floor(UPDATES / chains.length);
  const pending = new Map<Address, number>();
  let rescored = 0;
  onScored = (score) => {
    const appliedAt = pending.get(score.account);
    if (appliedAt !== undefined && performance.now() >= appliedAt) {
      pending.delete(score.account);
      rescored += 1;
    }
  };
  const emit = (batch: EventBatch, writes: StateWrite[]) => {
    const now = performance.now();
    for (const event of batch.events) pending.set((event.args as { account: Address }).account, now);
    ingest.emit('applied', batch, writes);
  };
  const before = chains.reduce((sum, chain) => sum + chain.events, 0);
  const steadyProfile = await startProfile(`updates-${count}`);
  const steadyStart = performance.now();
  await Promise.all(
    chains.map(async (chain, chainIndex) => {
      const perBatch = EVENTS_PER_BLOCK * BLOCKS_PER_BATCH;
      for (let first = 0; first < perChain; first += perBatch) {
        const transactions: Decoded[][] = [];
        for (let n = first; n < Math.min(perChain, first + perBatch); n++) {
          const index = (n * 7_919 + chainIndex * 104_729) % count;
          transactions.push([updateEvent(population, chain.eid, index, n)]);
        }
        await chain.commit(transactions, emit);
      }
    }),
  );
  await waitUntil('the keeper to re-score every updated account', async () => pending.size === 0 || `${pending.size} left`, 600_000, 5);
  const steady = { updates: chains.reduce((sum, chain) => sum + chain.events, 0) - before, seconds: (performance.now() - steadyStart) / 1_000, rescored };
  onScored = undefined;
  await steadyProfile?.stop();
  log(`with the keeper: ${fmt(steady.updates)} updates in ${steady.seconds.toFixed(1)} s: ${fmt(steady.updates / steady.seconds)} updates/s (${fmt(rescored)} re-scores)`);

  await keeper.stop({ graceMs: 1_000 });
  unfollow();
  const memory = await memoryOf(redis, prefix, population.accounts[0] as Address, home.eid, env.remotes);
  await deletePrefix(redis, prefix);
  return { accounts: count, load, coldSweepMs, ticksMs, storedMs, steady, memory, heapBytesPerAccount };
}

// ------------------------------------------------------------------ 3: event → action on the devnet

/** Milliseconds are from when this process saw the oracle update's receipt (polling every 10 ms). */
type ReactionSample = { oracleBlock: bigint; flagBlock: bigint; appliedMs: number; queuedMs: number; flaggedMs: number };

async function measureReaction(env: KeeperStack, blockTime: number | undefined, repeats: number, firstKey: number): Promise<ReactionSample[]> {
  const { deployments, stack } = env;
  const [r1] = env.remotes;
  const prefix = `${stack.prefix}-reaction-${blockTime ?? 0}`;
  const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  const logger = createLogger(process.env.BALLAST_LOG_LEVEL ?? 'silent');
  const keeperKey = devnetKeys.couriers[1];
  const chains: IngestChain[] = deployments.chains.map((deployment) => ({ deployment, publicClient: new BallastUser(deployments, keeperKey).connection(deployment.eid).publicClient }));
  const store = new ReconcileStore({ redis, chains: deployments.chains, prefix });
  // Ingest with its default settings (250 ms poll once caught up): what `ballast-relayer start` runs.
  const ingest = new Ingest({ chains, redis, prefix, consumer: store, logger });
  const unfollow = new CommitNoticePublisher({ redis, prefix, store }).follow(ingest);
  // Flag is what is measured: clear and returnParked would only add transactions between repeats.
  const keeper = new Keeper({ deployments, redisUrl: stack.redis.url, prefix, transactorKey: keeperKey, settings: { actions: { clear: false, returnParked: false } }, logger, ingest, store });
  const flags = new Map<Address, ActionRecord>();
  // The watched account's scores and finished jobs (when, with which health, which outcome): a repeat
  // that misses its block says why.
  let watched: Address | undefined;
  const trace: string[] = [];
  const pollErrors = () => ingest.metrics.snapshot().reduce((sum, chain) => sum + chain.pollErrors, 0);
  keeper.on('action', (record) => {
    if (record.action === 'flag' && record.outcome === 'sent') flags.set(record.account, record);
    if (record.account === watched) trace.push(`${fmt(performance.now())} ms: ${record.action} ${record.outcome} (${record.detail}), queued ${fmt(record.latencyMs)} ms before`);
  });
  keeper.on('scored', (score) => {
    if (score.account === watched) trace.push(`${fmt(performance.now())} ms: ${score.bucket} (health ${score.health ?? '–'}, usage-aware ${score.usageHealth ?? '–'}, drawn ${score.totalDrawn})`);
  });
  // When ingest handed each home block with a feed answer to its consumers (the keeper among them).
  const applied = new Map<bigint, number>();
  ingest.on('applied', (batch) => {
    const now = performance.now();
    for (const event of batch.events) if (event.contract === 'feed') applied.set(event.blockNumber, now);
  });
  ingest.start();
  keeper.start();
  const testClients = deployments.chains.map((chain) => createTestClient({ mode: 'anvil', transport: http(chain.rpcUrl) }));
  const stranger = new BallastUser(deployments, devnetKeys.users[4]);
  const weth = contractAddress(homeChain(deployments), BALLAST_CONTRACTS.wethFeed);
  const samples: ReactionSample[] = [];
  try {
    for (let repeat = 0; repeat < repeats; repeat++) {
      await stranger.setAnswer(weth, 2_000n * 10n ** 8n);
      const user = new BallastUser(deployments, await fundedKey(deployments, firstKey + repeat));
      // Health at $2,000: 17,000 / 12,000 = 1.42; at $1,200: 0.85, usage-aware 10,200 / 10,950 = 0.93: flagged.
      await openPosition(env, user, { weth: '10', exports: { [r1]: '12000' }, borrows: { [r1]: '10950' } });
      await waitUntil('the position scored healthy', async () => (await keeper.ledger.score(user.address))?.bucket === 'healthy', 30_000, 20);
      watched = user.address;
      trace.length = 0;
      const before = { ...keeper.metrics.snapshot(), pollErrors: pollErrors() };
      if (blockTime !== undefined) await Promise.all(testClients.map((client) => client.setIntervalMining({ interval: blockTime })));
      const receipt = await stranger.setAnswer(weth, 1_200n * 10n ** 8n);
      const oracleAt = Date.now();
      const oracleSeen = performance.now();
      await waitUntil('the keeper to flag the account', async () => flags.has(user.address), 60_000, 5);
      const flaggedMs = performance.now() - oracleSeen;
      const record = flags.get(user.address) as ActionRecord;
      const flagReceipt = await stranger.connection(env.home).publicClient.getTransactionReceipt({ hash: record.txHash as Hex });
      if (blockTime !== undefined) await Promise.all(testClients.map((client) => client.setAutomine(true)));
      const sample = {
        oracleBlock: receipt.blockNumber,
        flagBlock: flagReceipt.blockNumber,
        appliedMs: (applied.get(receipt.blockNumber) ?? Number.NaN) - oracleSeen,
        queuedMs: record.at - record.latencyMs - oracleAt,
        flaggedMs,
      };
      samples.push(sample);
      if (sample.flagBlock - sample.oracleBlock > 1n) {
        log(`missed its block: the oracle update was seen at ${fmt(oracleSeen)} ms; sweeps ${keeper.metrics.sweeps - before.sweeps}, score errors ${keeper.metrics.scoreErrors - before.scoreErrors}, ingest poll errors ${pollErrors() - before.pollErrors}; the account's scores and jobs:`);
        for (const entry of trace) log(`  ${entry}`);
      }
      log(
        `${blockTime === undefined ? 'auto-mine' : `${blockTime} s blocks`} #${repeat + 1}: oracle block ${sample.oracleBlock}, flag block ${sample.flagBlock}; ingest applied it ${fmt(sample.appliedMs)} ms, flag queued ${fmt(sample.queuedMs)} ms, mined ${fmt(flaggedMs)} ms after the oracle update`,
      );
    }
    const errors = pollErrors();
    if (errors > 0) log(`ingest poll errors meanwhile: ${errors} (each retried after the poll interval)`);
  } finally {
    await Promise.all(testClients.map((client) => client.setAutomine(true)));
    await stranger.setAnswer(weth, 2_000n * 10n ** 8n);
    await keeper.stop({ graceMs: 5_000 });
    await ingest.stop();
    unfollow();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
  return samples;
}

// ------------------------------------------------------------------ the machine

/**
 * This machine's speed at the two kinds of work an update and a tick are made of, measured by code that
 * is not Ballast's, so runs on different machines can be compared: keccak-256 of an address (viem, what
 * checksumming and selectors cost) and 256-bit BigInt multiply-divide (what the health maths costs).
 * Median of 5 rounds, ns per operation.
 */
function machineReference(): { keccakNs: number; bigintNs: number } {
  const ROUNDS = 5;
  const OPERATIONS = 50_000;
  const time = (work: () => void) => {
    const rounds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const begun = performance.now();
      work();
      rounds.push(((performance.now() - begun) * 1e6) / OPERATIONS);
    }
    return percentile(rounds, 50);
  };
  const input = toHex('ballast-bench-machine-reference-0');
  const keccakNs = time(() => {
    for (let index = 0; index < OPERATIONS; index++) keccak256(input);
  });
  const modulus = maxUint128 * maxUint128;
  const bigintNs = time(() => {
    let value = maxUint128 * 3n + 12_345n;
    for (let index = 0; index < OPERATIONS; index++) value = ((value * 1_000_000_000_000_000_123n) / 999_999_999_999_999_877n) % modulus;
  });
  return { keccakNs, bigintNs };
}

// ------------------------------------------------------------------ the run

const started = performance.now();
const machine = machineReference();
log(`machine reference: keccak-256 ${fmt(machine.keccakNs, 0)} ns, 256-bit BigInt multiply-divide ${fmt(machine.bigintNs, 0)} ns`);
const env = await startKeeperStack();
const redis = new Redis(env.stack.redis.url, { maxRetriesPerRequest: null });
try {
  const assets = await listFourAssets(env);
  log(`devnet up with ${assets.length} collateral assets in ${fmt((performance.now() - started) / 1_000, 1)} s`);
  // Reaction first, in a process that holds nothing else yet: a major GC of the scale runs' heap would
  // delay a poll and be measured as the keeper's latency.
  const automine = await measureReaction(env, undefined, REPEATS, 40);
  const oneSecond = BLOCK_TIME_REPEATS > 0 ? await measureReaction(env, 1, BLOCK_TIME_REPEATS, 60) : [];
  const scales: ScaleResult[] = [];
  for (const count of SCALES) {
    gc();
    scales.push(await measureScale(env, redis, assets, count));
  }

  // ---------------------------------------------------------------- the write-up
  const ms = (value: number) => `${fmt(value)} ms`;
  const perSecond = ({ updates, seconds }: { updates: number; seconds: number }) => updates / seconds;
  const spread = (values: number[]) => `${ms(percentile(values, 50))} / ${ms(Math.max(...values))}`;
  const largest = scales.at(-1);
  if (largest) {
    const perAccount = (scale: ScaleResult, kind: string) => (scale.memory.bytes[kind] ?? 0) / scale.accounts;
    const PER_ACCOUNT_KINDS = ['store: account hashes', 'store: account index', 'keeper: scores'];
    line(`| accounts | ingest alone (decode, store, commit), loading them (updates/s) | ingest + keeper following (updates/s) | first sweep: every account scored | price tick → every holder scored and its actions decided, p50 / max of ${TICKS} | … and every score written to Redis, p50 / max | Redis per account (store + keeper) |`);
    line('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const scale of scales) {
      const redisPerAccount = PER_ACCOUNT_KINDS.reduce((sum, kind) => sum + perAccount(scale, kind), 0);
      line(
        `| ${fmt(scale.accounts)} | ${fmt(perSecond(scale.load))} (${fmt(scale.load.updates)} in ${scale.load.seconds.toFixed(1)} s) | ${fmt(perSecond(scale.steady))} (${fmt(scale.steady.updates)} in ${scale.steady.seconds.toFixed(1)} s) | ${ms(scale.coldSweepMs)} | ${spread(scale.ticksMs)} | ${spread(scale.storedMs)} | ${fmt(redisPerAccount)} B |`,
      );
    }
    line();
    line(
      `Each account holds ${assets.length} collateral assets on home and exports to, holds a line on and draws from both remotes: 10 events to open (4 \`Deposited\`, 2 \`CreditExported\`, a \`CreditGranted\` and a \`Drawn\` per remote), built as ABI-encoded logs and decoded by ingest's \`decodeIngestedLog\` (the RPC round trip and its JSON are not measured), committed in batches of ${fmt(EVENTS_PER_BLOCK * BLOCKS_PER_BATCH)} events (${BLOCKS_PER_BATCH} blocks of ${EVENTS_PER_BLOCK}), one loop per chain. "Keeper following": ${fmt(UPDATES)} more events (a deposit on home, a draw or a restore on a remote) on accounts spread over all of them, each batch handed to the keeper as ingest's \`applied\`; the time runs until the keeper has re-scored every account it touched. A tick moves one asset's answer by 1 %; every account holds that asset.`,
    );
    line();
    line(`Redis at ${fmt(largest.accounts)} accounts (\`MEMORY USAGE\` of every key of the private prefix, ${fmt(largest.memory.keys)} keys):`);
    line();
    line('| what | bytes per account |');
    line('| --- | ---: |');
    for (const kind of PER_ACCOUNT_KINDS) line(`| ${kind} | ${fmt(perAccount(largest, kind))} |`);
    line(`| of which one account's own three hashes (home and 2 remotes) | ${fmt(largest.memory.oneAccount)} |`);
    line(`| ingest's cursor, reorg window and undo journal (bounded by the last ${REORG_DEPTH} blocks, not by accounts) | ${fmt((largest.memory.bytes['ingest: cursor, reorg window, undo journal'] ?? 0) / 1_024)} KiB in all |`);
    line();
    line(`The keeper's process holds its copy of the positions and scores in memory: ${fmt(largest.heapBytesPerAccount)} B of heap per account after its first sweep at ${fmt(largest.accounts)} accounts.`);
    line();
  }
  const reaction = (samples: ReactionSample[], label: string) => {
    if (samples.length === 0) return;
    const blocks = samples.map((sample) => Number(sample.flagBlock - sample.oracleBlock));
    line(
      `| ${label} | ${samples.length} | ${blocks.join(', ')} | ${spread(samples.map((sample) => sample.appliedMs))} | ${spread(samples.map((sample) => sample.queuedMs))} | ${spread(samples.map((sample) => sample.flaggedMs))} |`,
    );
  };
  line('| devnet (ingest polling every 250 ms, its default) | repeats | flag block − oracle block | oracle update → ingest applied it, p50 / max | → flag queued, p50 / max | → flag mined, p50 / max |');
  line('| --- | ---: | --- | ---: | ---: | ---: |');
  reaction(automine, 'anvil mining each transaction at once');
  reaction(oneSecond, 'anvil mining a block every second');
  line();
  const timed = oneSecond.length > 0 ? oneSecond : automine;
  const worstBlocks = timed.length > 0 ? Math.max(...timed.map((sample) => Number(sample.flagBlock - sample.oracleBlock))) : Number.NaN;
  const verdict = (pass: boolean) => (pass ? 'pass' : '**miss**');
  line('| target (issue 5) | measured | ratio | |');
  line('| --- | ---: | ---: | --- |');
  if (largest) {
    const tick100k = scales.find((scale) => scale.accounts === 100_000) ?? largest;
    const slowest = scales.reduce((worst, scale) => (perSecond(scale.steady) < perSecond(worst.steady) ? scale : worst));
    const tickMax = Math.max(...tick100k.ticksMs);
    const storedMax = Math.max(...tick100k.storedMs);
    line(`| re-score ${fmt(tick100k.accounts)} accounts on a tick in < 500 ms | ${ms(tickMax)} (max of ${TICKS}; scores written by ${ms(storedMax)}) | ${(tickMax / 500).toFixed(2)}× of the bound (${(storedMax / 500).toFixed(2)}× with the writes) | ${verdict(tickMax < 500)} |`);
    line(`| ≥ 20,000 account updates/s on one process | ${fmt(perSecond(slowest.steady))} /s with the keeper following (${fmt(slowest.accounts)} accounts; ingest alone ${fmt(perSecond(slowest.load))} /s) | ${(perSecond(slowest.steady) / 20_000).toFixed(2)}× of the floor | ${verdict(perSecond(slowest.steady) >= 20_000)} |`);
  }
  const within = timed.filter((sample) => sample.flagBlock - sample.oracleBlock <= 1n).length;
  line(
    `| flag sent within one block of the oracle update | ${within} of ${timed.length} within one block (${oneSecond.length > 0 ? '1-second blocks' : 'auto-mining'}); worst ${worstBlocks} block${worstBlocks === 1 ? '' : 's'} | ${worstBlocks.toFixed(2)}× of the bound (worst) | ${verdict(worstBlocks <= 1)} |`,
  );
  line();
  line(
    `The CPU-bound targets scale with the machine. This one, measured in the same run by code that is not Ballast's (median of 5 rounds of 50,000): keccak-256 of a short input (viem) ${fmt(machine.keccakNs)} ns, a 256-bit BigInt multiply-divide ${fmt(machine.bigintNs)} ns.`,
  );

  if (!args['no-write']) {
    const path = join(repoRoot, 'docs', 'BENCHMARKS.md');
    const begin = '<!-- relayer:begin -->';
    const end = '<!-- relayer:end -->';
    const current = await readFile(path, 'utf8');
    const section = `${begin}\n_Measured ${new Date().toISOString().slice(0, 10)} by \`pnpm bench:relayer\` on this repo's 2-core machine (3 anvil chains, local Redis ${(await redis.info('server')).match(/redis_version:(\S+)/)?.[1] ?? ''}); ${fmt((performance.now() - started) / 1_000)} s in all._\n\n${results.join('\n')}\n${end}`;
    const updated = current.includes(begin) ? current.replace(new RegExp(`${begin}[\\s\\S]*${end}`), section) : `${current.trimEnd()}\n\n## Relayer\n\n${section}\n`;
    await writeFile(path, updated);
    process.stdout.write(`wrote ${path}\n`);
  }
} finally {
  redis.disconnect();
  await env.stop();
}
