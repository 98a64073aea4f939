// pnpm demo: the most complete end-to-end run so far, on embedded defaults. Starts Redis if none
// answers, three anvil chains with LayerZero v2, PingOApp on each, and the courier; sends a ping
// from home to each remote and back, and prints every delivery.
import { liveChildren, onShutdown } from '@ballast/devnet';
import { homeChain } from '@ballast/protocol';
import { createLogger } from '@ballast/relayer';
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
  log(`\nall ${2 * (devnet.deployments.chains.length - 1)} pings delivered; demo took ${Date.now() - started} ms`);
} finally {
  await stack.stop();
}
if (liveChildren().length > 0) throw new Error('child processes left running');
