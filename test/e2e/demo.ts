// pnpm demo: the most complete end-to-end run so far, on embedded defaults. Starts Redis if none
// answers, three anvil chains with LayerZero v2, PingOApp and Ballast on each, and the courier;
// 1. sends a ping from home to each remote and back, printing every delivery;
// 2. runs a Ballast position through its life: deposit on home, export credit to both remotes, heartbeats,
//    borrow from the lending pool on each, repay, release, withdraw — printing each hop.
import { BALLAST_CONTRACTS, deployBallast, devnetKeys, liveChildren, onShutdown } from '@ballast/devnet';
import { homeChain } from '@ballast/protocol';
import { createLogger } from '@ballast/relayer';
import { type Hex, formatEther, formatUnits, parseEther, parseUnits } from 'viem';
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
  log(`\ndemo took ${Date.now() - started} ms`);
} finally {
  await stack.stop();
}
if (liveChildren().length > 0) throw new Error('child processes left running');
