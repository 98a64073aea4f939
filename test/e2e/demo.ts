// pnpm demo: the most complete end-to-end run so far, on embedded defaults. Starts Redis if none
// answers, three anvil chains with LayerZero v2, PingOApp and Ballast on each, and the courier;
// 1. sends a ping from home to each remote and back, printing every delivery;
// 2. runs a Ballast position through its life: deposit on home, export credit to both remotes, heartbeats,
//    borrow from the lending pool on each, repay, release, withdraw — printing each hop;
// 3. liquidates one: two assets deposited, credit exported and borrowed on both remotes, the WETH price
//    crashes, a stranger recalls the undrawn credit, a keeper returns it, the account is flagged, a
//    liquidator repays on each remote and is paid collateral on home by each SEIZE — printing each hop;
// 4. the relayer alone: an ingest and a keeper (liquidator module on) follow the chains; WETH falls twice
//    and nobody but the keeper acts — it recalls, returns, flags, liquidates and clears, each action
//    printed as it lands — then the audit compares the reconcile store with the chains.
import { BALLAST_CONTRACTS, deployBallast, devnetKeys, liveChildren, onShutdown } from '@ballast/devnet';
import { homeChain } from '@ballast/protocol';
import { type ActionRecord, DriftAudit, ReconcileStore, createLogger, readOnlySdk } from '@ballast/relayer';
import { type Hex, formatEther, formatUnits, maxUint256, parseEther, parseUnits } from 'viem';
import { fundedKey, mintUsdc, openPosition, startKeeper, waitUntil } from '../../relayer/test/keeper-support.ts';
import { BallastUser } from '../support/ballast.ts';
import { DeliveryTracker, type PingClient } from '../support/pings.ts';
import { startStack } from '../support/stack.ts';

const log = (line: string) => process.stdout.write(`${line}\n`);
const started = Date.now();

const stack = await startStack({ log, deploymentsPath: undefined });
log(stack.redis.started ? `started redis-server at ${stack.redis.url}` : `using Redis at ${stack.redis.url}`);
log(`deployed PingOApp on every chain and wired its peers; deployments in ${stack.devnet.deploymentsPath}`);
const { devnet } = stack;
const courier = stack.courier({ logger: createLogger(process.env.BALLAST_LOG_LEVEL ?? 'warn') });
const deliveries = new DeliveryTracker(courier);
onShutdown(stack.stop);

try {
  courier.start();
  log('courier started (DVN signer + executor)\n');

  const home = homeChain(devnet.deployments);
  const clients = stack.pings;
  const name = (eid: number) => devnet.deployments.chains.find((chain) => chain.eid === eid)?.name ?? String(eid);
  log(`${'pathway'.padEnd(18)} ${'guid'.padEnd(66)} ${'source tx'.padEnd(66)} ${'destination tx'.padEnd(66)} latency`);
  for (const remote of devnet.deployments.chains.filter((chain) => chain.role === 'remote')) {
    for (const [from, to] of [
      [home.eid, remote.eid],
      [remote.eid, home.eid],
    ] as const) {
      const [ping] = await (clients.get(from) as PingClient).send(to);
      if (!ping) throw new Error('no ping sent');
      const [record] = await deliveries.waitFor([ping.guid], 30_000);
      if (!record) throw new Error('no delivery');
      const received = await (clients.get(to) as PingClient).received(from);
      log(`${`${name(from)} → ${name(to)}`.padEnd(18)} ${ping.guid} ${ping.txHash} ${record.dstTxHash} ${record.deliveredAt - ping.sentAt} ms (received: ${received})`);
    }
  }
  log(`\nall ${2 * (devnet.deployments.chains.length - 1)} pings delivered\n`);

  await deployBallast(devnet);
  log('deployed Ballast: CollateralVault + oracle on home, CreditMirror + lending pool on each remote, each chain owned by its timelock');
  const alice = new BallastUser(devnet.deployments, devnetKeys.users[1]);
  const remotes = devnet.deployments.chains.filter((chain) => chain.role === 'remote');
  const usd = (credit: bigint) => `$${Number(formatEther(credit)).toLocaleString('en-US')}`;
  const show = async (step: string) => {
    const lines = await Promise.all(
      remotes.map(async (remote) => {
        const position = await alice.position(remote.eid);
        return `${remote.name}: exported ${usd(position.exported)} line ${usd(position.line)} drawn ${usd(position.drawn)}`;
      }),
    );
    log(`${step.padEnd(46)} collateral ${formatEther(await alice.collateralOf('weth'))} WETH | ${lines.join(' | ')}`);
  };
  await alice.deposit('weth', parseEther('10'));
  await show('deposit 10 WETH on home ($20,000, power $16,000)');
  const amounts = [parseEther('6000'), parseEther('4000')];
  const grants: Hex[] = [];
  for (const [index, remote] of remotes.entries()) grants.push(await alice.exportCredit(remote.eid, amounts[index % 2] as bigint));
  await show('export $6,000 and $4,000 (GRANTs in flight)');
  await deliveries.waitFor(grants, 30_000);
  await show('GRANTs delivered by the courier');
  const heartbeats: Hex[] = [];
  for (const remote of remotes) heartbeats.push(await alice.sendHeartbeat(remote.eid));
  await deliveries.waitFor(heartbeats, 30_000);
  await show('HEARTBEATs delivered: draws open on each remote');
  for (const remote of remotes) await alice.borrow(remote.eid, parseUnits('1000', 6));
  const usdc = await alice.balanceOf(remotes[0]?.eid as number, alice.contract(remotes[0]?.eid as number, BALLAST_CONTRACTS.usdc));
  await show(`borrow 1,000 USDC on each remote (${formatUnits(usdc, 6)} held)`);
  for (const remote of remotes) await alice.repayAll(remote.eid);
  await show('repay both loans with interest');
  const releases: Hex[] = [];
  for (const [index, remote] of remotes.entries()) releases.push(await alice.release(remote.eid, amounts[index % 2] as bigint));
  await show('release both lines (RELEASEs in flight)');
  await deliveries.waitFor(releases, 30_000);
  await show('RELEASEs delivered by the courier');
  await alice.withdraw('weth', parseEther('10'));
  await show('withdraw 10 WETH');

  log('\nliquidation: bob borrows on both remotes, WETH crashes, a liquidator repays on each and is paid on home');
  const bob = new BallastUser(devnet.deployments, devnetKeys.users[2]);
  const liquidator = new BallastUser(devnet.deployments, devnetKeys.users[3]);
  const keeper = new BallastUser(devnet.deployments, devnetKeys.users[4]);
  const wbtcUnits = (amount: bigint) => formatUnits(amount, 8);
  const showBook = async (step: string) => {
    const [health, epochs, weth, wbtc] = await Promise.all([bob.liquidationHealth(), bob.epochs(), bob.collateralOf('weth'), bob.collateralOf('wbtc')]);
    const lines = await Promise.all(
      remotes.map(async (remote) => {
        const [{ exported }, line] = await Promise.all([bob.position(remote.eid), bob.line(remote.eid)]);
        return `${remote.name}: exported ${usd(exported)} line ${usd(line.line)} drawn ${usd(line.drawn)} parked ${usd(line.parked)} repayable ${usd(line.repayable)} epoch ${line.epoch}`;
      }),
    );
    const healthText = health === maxUint256 ? '∞' : Number(formatEther(health)).toFixed(4);
    log(`${step.padEnd(46)} health ${healthText} epoch ${epochs[home.eid]} collateral ${formatEther(weth)} WETH ${wbtcUnits(wbtc)} WBTC | ${lines.join(' | ')}`);
  };
  // One wallet's transactions on a chain go one at a time (their nonces must not race).
  const onEachRemote = async (send: (eid: number) => Promise<Hex>) => {
    const guids: Hex[] = [];
    for (const remote of remotes) guids.push(await send(remote.eid));
    return guids;
  };
  await bob.deposit('weth', parseEther('10'));
  await bob.deposit('wbtc', parseUnits('0.1', 8));
  await showBook('deposit 10 WETH + 0.1 WBTC (power $20,200)');
  const loans = [parseUnits('9000', 6), parseUnits('8000', 6)];
  await deliveries.waitFor(await onEachRemote((eid) => bob.exportCredit(eid, parseEther('10000'))), 30_000);
  await showBook('export $10,000 to each remote: GRANTs in');
  await deliveries.waitFor(await onEachRemote((eid) => bob.sendHeartbeat(eid)), 30_000);
  for (const [index, remote] of remotes.entries()) await bob.borrow(remote.eid, loans[index % 2] as bigint);
  await showBook('borrow 9,000 and 8,000 USDC');
  await keeper.setPrice('weth', 1_200n);
  await showBook('WETH crashes to $1,200');
  await deliveries.waitFor(await onEachRemote((eid) => keeper.recall(bob.address, eid, parseEther('10000'))), 30_000);
  await showBook('a stranger recalls: RECALLs delivered');
  await deliveries.waitFor(await onEachRemote((eid) => keeper.returnParked(eid, bob.address)), 30_000);
  await showBook('a keeper returns parked credit: RELEASEs in');
  await deliveries.waitFor(await keeper.flag(bob.address), 30_000);
  await showBook('flag: LIQUIDATABLEs delivered');
  const collateral = ['weth', 'wbtc'] as const;
  for (const [index, remote] of remotes.entries()) {
    // All that may be repaid, in USDC (6 decimals; credit has 18).
    const repayable = (await bob.line(remote.eid)).repayable;
    const asset = collateral[index % 2] as (typeof collateral)[number];
    await deliveries.waitFor([await liquidator.liquidate(remote.eid, bob.address, repayable / 10n ** 12n, asset)], 30_000);
    await showBook(`liquidate ${usd(repayable)} on ${remote.name} in ${asset.toUpperCase()}, SEIZE in`);
  }
  const seized = await Promise.all(collateral.map((asset) => liquidator.balanceOf(home.eid, liquidator.contract(home.eid, BALLAST_CONTRACTS[asset]))));
  log(`liquidator was paid ${formatEther(seized[0] ?? 0n)} WETH and ${wbtcUnits(seized[1] ?? 0n)} WBTC on home (5% and 10% bonus)`);

  log('\nthe relayer alone: ingest and a keeper with its liquidator follow the chains; nobody else acts');
  const [remote1, remote2] = remotes.map((remote) => remote.eid) as [number, number];
  const keeperStack = { stack, deployments: devnet.deployments, courier, deliveries, home: home.eid, remotes: [remote1, remote2] as [number, number], stop: stack.stop };
  const carol = new BallastUser(devnet.deployments, await fundedKey(devnet.deployments, 40));
  const keeperKey = devnetKeys.couriers[1];
  const keeperAddress = new BallastUser(devnet.deployments, keeperKey).address;
  for (const eid of [remote1, remote2]) await mintUsdc(keeperStack, eid, keeperAddress, parseUnits('50000', 6));
  // WETH is at $1,200: 10 WETH count for $10,200 at the 85% threshold; $9,000 exported, $8,000 drawn.
  await openPosition(keeperStack, carol, { weth: '10', exports: { [remote1]: '9000' }, borrows: { [remote1]: '8000' } });
  const showCarol = async (step: string) => {
    const [health, epochs, weth, line, { exported }] = await Promise.all([carol.liquidationHealth(), carol.epochs(), carol.collateralOf('weth'), carol.line(remote1), carol.position(remote1)]);
    log(`${step.padEnd(46)} health ${Number(formatEther(health)).toFixed(4)} epoch ${epochs[home.eid]} collateral ${formatEther(weth)} WETH | remote1: exported ${usd(exported)} line ${usd(line.line)} drawn ${usd(line.drawn)} parked ${usd(line.parked)}`);
  };
  await showCarol('carol: 10 WETH, $9,000 exported, $8,000 drawn');
  const running = startKeeper(keeperStack, keeperKey, {
    liquidator: { enabled: true, inventory: { [remote1]: parseUnits('50000', 6), [remote2]: parseUnits('50000', 6) } },
    backoffMs: 200,
    maxBackoffMs: 2_000,
  });
  running.keeper.on('action', (record: ActionRecord) => {
    if (record.outcome === 'sent' && record.account === carol.address) log(`  keeper: ${record.action} on ${devnet.deployments.chains.find((chain) => chain.eid === record.eid)?.name} (${record.latencyMs} ms after it was queued)`);
  });
  await carol.setPrice('weth', 1_000n);
  await showCarol('WETH falls to $1,000 (health under 1 at home)');
  await waitUntil('the keeper to recall and return carol\'s undrawn credit', async () => (await carol.position(remote1)).exported === parseEther('8000'), 60_000);
  await showCarol('the keeper recalled and returned $1,000');
  await carol.setPrice('weth', 900n);
  await showCarol('WETH falls to $900 (under 1 with all drawn)');
  await waitUntil('the keeper to flag, liquidate and clear carol', async () => (await carol.epochs())[home.eid] === 2, 60_000);
  await showCarol('flagged, liquidated by the keeper, cleared');
  // The settlement of the SEIZE is recorded once home applied it (the keeper's settle loop).
  await waitUntil('the keeper to settle its liquidation', async () => (await running.keeper.ledger.settled()).some((settled) => settled.account === carol.address), 60_000);
  const [settled] = (await running.keeper.ledger.settled()).filter((record) => record.account === carol.address);
  log(`  keeper's liquidator: repaid ${usd(BigInt(settled?.repaid ?? '0'))}, received ${usd(BigInt(settled?.receivedValue ?? '0'))} of collateral: PnL ${usd(BigInt(settled?.pnl ?? '0'))}`);
  // The audit every relayer of the prefix runs on a timer, once here: the reconcile store against the chains.
  const audit = new DriftAudit({
    store: new ReconcileStore({ redis: running.redis, chains: devnet.deployments.chains, prefix: stack.prefix }),
    ledger: running.ingest.ledger,
    sdk: readOnlySdk(devnet.deployments),
    redis: running.redis,
    prefix: stack.prefix,
  });
  const report = await audit.run();
  log(`audit: ${report.accounts} accounts compared with the chains, ${report.driftedAccounts} drifted`);
  await running.stop();
  log(`\ndemo took ${Date.now() - started} ms`);
} finally {
  await stack.stop();
}
if (liveChildren().length > 0) throw new Error('child processes left running');
